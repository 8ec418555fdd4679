// Unit tests without a network: mock-socket's WebSocket as the WebSocket
// option, its Server as the other end.
import { afterEach, expect, test } from 'vitest';
import { Server, WebSocket as MockWebSocket } from 'mock-socket';
import { Socket } from 'wsbeat';

const url = 'ws://mock.test:1234/';
let server;
afterEach(() => server?.stop());

test('a Socket on mock-socket: open, echo, reconnect after the server closes', async () => {
  server = new Server(url);
  const received = [];
  server.on('connection', (conn) => {
    conn.on('message', (data) => { received.push(data); conn.send(`echo ${data}`); });
  });
  const ws = new Socket(url, [], { WebSocket: MockWebSocket, heartbeatInterval: 0, minReconnectionDelay: 0, maxReconnectionDelay: 10 });
  const messages = [];
  ws.addEventListener('message', (e) => messages.push(e.data));
  let opens = 0;
  ws.addEventListener('open', () => { opens++; ws.send(`hi ${opens}`); });
  await expect.poll(() => messages, { timeout: 15000 }).toContain('echo hi 1');
  server.clients().forEach((c) => c.close({ code: 1011, reason: 'restart', wasClean: true }));
  await expect.poll(() => messages, { timeout: 15000 }).toContain('echo hi 2');
  expect(received).toEqual(['hi 1', 'hi 2']);
  ws.close();
});
