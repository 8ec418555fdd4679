// wsbeat in Node: Node 20 has no global WebSocket, so pass the ws
// package's class as the WebSocket option.
//
//   node main.mjs ws://127.0.0.1:8080/echo [control-base-url]
//
// With a control URL (wsbeat-server's, e.g. http://127.0.0.1:8080) it
// also asks the server to drop the connection (wsbeat/testing's control
// client) and waits for the reconnect. It exits 0 when everything happened, with nothing left
// holding the event loop after close().
import { WebSocket } from 'ws';
import { Socket, ready } from 'wsbeat';
import { control as controlClient } from 'wsbeat/testing';

const [url = 'ws://127.0.0.1:8080/echo', control] = process.argv.slice(2);

const ws = new Socket(url, [], {
  WebSocket,
  heartbeatInterval: 200, // ping after 200 ms of silence (short, for the demo)
  heartbeatTimeout: 1000,
});

const seen = { opens: 0, echoes: [], heartbeats: 0 };
const waiters = [];
function until(what, check) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), 10000);
    waiters.push(() => { if (check()) { clearTimeout(timer); resolve(); return true; } return false; });
    poke();
  });
}
function poke() {
  for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i]()) waiters.splice(i, 1);
}

ws.addEventListener('open', () => {
  seen.opens++;
  console.log(`open #${seen.opens}`);
  ws.send(`hello ${seen.opens}`);
  poke();
});
ws.addEventListener('message', (e) => {
  console.log(`echo: ${e.data}`);
  seen.echoes.push(e.data);
  poke();
});
ws.addEventListener('heartbeat', (e) => {
  if (seen.heartbeats++ === 0) console.log(`heartbeat answered in ${e.rtt.toFixed(1)} ms`);
  poke();
});
ws.addEventListener('close', (e) => console.log(`close ${e.code}, will reconnect: ${e.willReconnect}`));
ws.addEventListener('error', (e) => console.log(`error: ${e.error?.code} ${e.error?.message}`));

await ready;
await until('the echo of hello 1', () => seen.echoes.includes('hello 1'));
await until('two answered heartbeats', () => seen.heartbeats >= 2);
if (control) {
  await controlClient(control).drop();
  await until('the reconnect and the echo of hello 2', () => seen.opens >= 2 && seen.echoes.includes('hello 2'));
}
ws.close(1000, 'done');
console.log('closed');

// Nothing may hold the event loop now: Node exits by itself. A timer
// that is not unref'd would keep it alive, so this one only reports.
setTimeout(() => {
  console.error('still running 3 s after close(): something holds the event loop:', process.getActiveResourcesInfo());
  process.exit(1);
}, 3000).unref();
