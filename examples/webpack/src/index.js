import { Socket, ready } from 'wsbeat';

// The page shows what the socket does; the example's test reads it.
const out = document.createElement('pre');
out.dataset.testid = 'log';
document.body.append(out);
const log = (line) => { out.textContent += line + '\n'; };

const ws = new Socket('/echo', [], { heartbeatInterval: 3000, heartbeatTimeout: 2000 });
let opens = 0;
ws.addEventListener('open', () => {
  opens++;
  log(`open ${opens}`);
  ws.send(`hello ${opens}`); // an open handler's sends go first on a new connection
});
ws.addEventListener('message', (e) => log(`echo ${e.data}`));
ws.addEventListener('close', (e) => log(`close ${e.code} willReconnect=${e.willReconnect}`));
ws.addEventListener('reconnecting', (e) => log(`reconnecting attempt=${e.attempt} delay=${Math.round(e.delay)}`));
ready.then(() => log('engine ready'), (err) => log(`engine failed: ${err.code} ${err.message}`));

// For the console: the socket, as in the README.
globalThis.ws = ws;
