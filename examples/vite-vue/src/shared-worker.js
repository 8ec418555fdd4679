// wsbeat in a shared worker: one socket for every tab of the app.
import { Socket } from 'wsbeat';

const ws = new Socket('/echo');
const ports = new Set();
ws.addEventListener('message', (e) => ports.forEach((p) => p.postMessage(`echo: ${e.data}`)));
onconnect = (e) => {
  const port = e.ports[0];
  ports.add(port);
  port.onmessage = (m) => ws.send(m.data);
};
