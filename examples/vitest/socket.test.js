// Run with WSBEAT_ECHO_URL=ws://127.0.0.1:8080/echo (the wsbeat echo
// server: go run ./server in the repository).
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { Socket, ErrorCode } from 'wsbeat';

const url = process.env.WSBEAT_ECHO_URL || 'ws://127.0.0.1:8080/echo';

// next resolves with the next event of type on target.
const next = (target, type) => new Promise((resolve) => target.addEventListener(type, resolve, { once: true }));

describe('Socket with the ws package', () => {
  test('opens, echoes, answers heartbeats and closes', async () => {
    const ws = new Socket(url, [], { WebSocket, heartbeatInterval: 100 });
    expect(ws.send('queued before open')).toBe('queued');
    await next(ws, 'open');
    expect(ws.readyState).toBe(Socket.OPEN);
    expect((await next(ws, 'message')).data).toBe('queued before open');
    expect(ws.send('hello')).toBe('sent');
    expect((await next(ws, 'message')).data).toBe('hello');
    const hb = await next(ws, 'heartbeat');
    expect(hb.rtt).toBeGreaterThanOrEqual(0);
    const closed = next(ws, 'close');
    ws.close(1000, 'bye');
    const ev = await closed;
    expect(ev.code).toBe(1000);
    expect(ev.willReconnect).toBe(false);
    expect(ws.state).toBe('closed');
    expect(() => ws.send('late')).toThrow(expect.objectContaining({ name: 'InvalidStateError', code: ErrorCode.CLOSED }));
  });

  test('dials through a WebSocket subclass (tracing)', async () => {
    const dialed = [];
    class TracedWebSocket extends WebSocket {
      constructor(address, protocols) {
        super(address, protocols);
        dialed.push(address);
      }
    }
    const ws = new Socket(url, [], { WebSocket: TracedWebSocket });
    await next(ws, 'open');
    ws.close();
    expect(dialed).toEqual([url]);
  });

  test('says what to pass when the WebSocket option is wrong', () => {
    expect(() => new Socket(url, [], { WebSocket: new WebSocket.Server({ noServer: true }) }))
      .toThrow(TypeError);
    expect(() => new Socket(url, [], { WebSocket: () => {} })).toThrow(/WebSocket class/);
    if (typeof globalThis.WebSocket === 'undefined') {
      // Node 20: no global WebSocket, and the error names the ws package.
      expect(() => new Socket(url)).toThrow(/ws/);
    }
  });
});
