// wsbeat in a dedicated worker: no document there, and it works the same.
// A relative URL resolves against the worker's location.
import { Socket } from 'wsbeat';

const ws = new Socket('/echo');
ws.addEventListener('open', () => ws.send('from the worker'));
ws.addEventListener('message', (e) => {
  postMessage(`echo: ${e.data}`);
  ws.close();
});
ws.addEventListener('error', (e) => postMessage(`error: ${e.error?.message}`));
