// The engine's events, as Go reports them through Port.event, turned into
// the socket's mirrored state and DOM events. EVENT_FIELDS is the one
// table of what each kind carries, in the order Go passes it (emit in
// jsbridge/events.go; docs/internals.md).
import { withCode, ErrorCode } from './errors.js';
import { live, idle } from './engine.js';
import { SocketCloseEvent } from './env.js';

export var EVENT_FIELDS = {
  statechange: ['state', 'previous'],
  open: ['retryCount'],
  close: ['code', 'reason', 'wasClean', 'willReconnect', 'released'],
  error: ['message', 'code'],
  reconnecting: ['attempt', 'delay'],
  heartbeat: ['rtt'],
  drop: ['messages', 'reason']
};

// named returns the fields of an event of kind from Go's arguments.
export function named(kind, args) {
  var names = EVENT_FIELDS[kind];
  var f = {};
  if (!names) return null;
  for (var i = 0; i < names.length; i++) f[names[i]] = args[i + 1];
  return f;
}

// engineEvent updates socket's mirror of the engine's state from one
// event and dispatches it.
export function engineEvent(socket, kind, f) {
  var ev;
  switch (kind) {
    case 'statechange':
      if (f.state === socket._state) return;
      socket._state = f.state;
      socket._fast = f.state === 'open' && !socket._closedByUser ? socket._port.ws : null;
      // While it is not closed the socket may connect by itself, so it is
      // kept even when the page holds no reference (as a connecting
      // WebSocket is).
      if (f.state === 'closed') {
        live.delete(socket);
        idle();
      } else live.add(socket);
      if (f.state !== 'open') clearTimeout(socket._stableTimer);
      ev = new Event('statechange');
      break;
    case 'open':
      socket._retryCount = f.retryCount;
      if (socket._port.ws) {
        socket._protocol = socket._port.ws.protocol;
        socket._extensions = socket._port.ws.extensions;
      }
      socket._openedAt = Date.now();
      armStable(socket);
      ev = new Event('open');
      break;
    case 'close':
      socket._protocol = '';
      socket._extensions = '';
      if (f.released) socket._released();
      ev = new SocketCloseEvent('close', { code: f.code, reason: f.reason, wasClean: f.wasClean });
      ev.willReconnect = f.willReconnect;
      socket.dispatchEvent(ev);
      return;
    case 'error':
      ev = new Event('error');
      ev.error = withCode(new Error(f.message), f.code || ErrorCode.INTERNAL);
      // reconnecting-websocket's timeout event says so in message.
      if (f.code === ErrorCode.CONNECTION_TIMEOUT) ev.message = 'TIMEOUT';
      socket.dispatchEvent(ev);
      return;
    case 'reconnecting':
      socket._retryCount = f.attempt;
      ev = new Event('reconnecting');
      break;
    case 'heartbeat':
      socket._lastRTT = f.rtt;
      ev = new Event('heartbeat');
      break;
    case 'drop':
      ev = new Event('drop');
      break;
    default:
      return;
  }
  for (var k in f) ev[k] = f[k];
  socket.dispatchEvent(ev);
}

// armStable dispatches a "stable" event once the open connection has
// stayed up minUptime: the moment the engine counts it stable and resets
// retryCount (it judges that lazily, when the count is read, so no event
// of its own says so). JS only times it; the count it reports is read
// from Go. One timer per open connection, no polling, and none at all
// unless a "stable" listener was added: an idle page with a plain socket
// wakes only for its heartbeat.
export function armStable(socket) {
  clearTimeout(socket._stableTimer);
  if (!socket._wantsStable) return;
  var ws = socket._port.ws;
  var wait = Math.max(0, socket._opts.minUptime - (Date.now() - socket._openedAt));
  socket._stableTimer = setTimeout(function () {
    if (socket._state !== 'open' || socket._port.ws !== ws) return;
    socket._retryCount = socket._get('retryCount', socket._retryCount);
    var ev = new Event('stable');
    ev.retryCount = socket._retryCount;
    socket.dispatchEvent(ev);
  }, wait);
}
