// Port is the side of a socket that the Go engine calls (docs/internals.md,
// "Go → JS"). Go holds the port, never the socket: the port reaches its
// socket through a WeakRef, so a closed socket that the page dropped can
// be collected, and its Go socket released. While it is not closed, the
// socket is held by engine.js's live set instead.
import { run } from './engine.js';
import { checkURL } from './options.js';
import { DEFAULTS } from './defaults.js';
import { EVENT_FIELDS, named, engineEvent } from './events.js';
import { deliver } from './listeners.js';
import { report, describe } from './errors.js';
import { SocketCloseEvent } from './env.js';

export class Port {
  constructor(socket) {
    this.ref = new WeakRef(socket);
    this.ws = null;     // the current WebSocket, from dial to detach
    this.gen = 0;       // the generation number Go gave ws
    this.lastEv = null; // the last message event on ws; Go reads its timeStamp
  }

  // event(kind, ...fields) reports an engine event; the fields of each kind
  // are EVENT_FIELDS[kind], in order.
  event(kind) {
    var s = this.ref.deref();
    if (!s || !EVENT_FIELDS[kind]) return;
    engineEvent(s, kind, named(kind, arguments));
  }

  // dial(url, gen) creates the WebSocket of attempt gen and attaches to it;
  // a constructor exception goes to Go as a failed attempt.
  dial(url, gen) {
    var s = this.ref.deref();
    if (!s) throw new Error('wsbeat: the socket is gone');
    var ws = new s._WebSocket(url, s._protocols);
    ws.binaryType = s._binaryType;
    // An EventEmitter-based WebSocket (ws in Node) throws an 'error' that
    // has no listener, as when a connecting socket is closed after its
    // listeners were detached: the error reaches Go through the 'error'
    // listener while attached, and is dropped after.
    if (typeof ws.on === 'function') ws.on('error', ignore);
    var n = s._native;
    ws.addEventListener('message', n.message);
    ws.addEventListener('open', n.open);
    ws.addEventListener('error', n.error);
    ws.addEventListener('close', n.close);
    this.ws = ws;
    this.gen = gen;
    this.lastEv = null;
    return ws;
  }

  // detach(ws) removes the socket's listeners from ws, so nothing it does
  // later reaches the page or the engine.
  detach(ws) {
    var s = this.ref.deref();
    if (s) {
      var n = s._native;
      ws.removeEventListener('message', n.message);
      ws.removeEventListener('open', n.open);
      ws.removeEventListener('error', n.error);
      ws.removeEventListener('close', n.close);
      if (s._fast === ws) s._fast = null;
    }
    if (this.ws === ws) {
      this.ws = null;
      this.lastEv = null;
    }
  }

  // resolveURL(timeoutMs, cb) calls the page's URL function, awaits it,
  // checks the URL, and calls cb(error, url) exactly once, by the timeout
  // at the latest, so Go's single-use callback is always released.
  resolveURL(timeoutMs, cb) {
    var done = false;
    function finish(err, url) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      cb(err, url);
    }
    var timer = setTimeout(function () { finish('URL function timed out after ' + timeoutMs + ' ms', null); }, Math.max(0, timeoutMs));
    var s = this.ref.deref();
    if (!s) {
      finish('the socket is gone', null);
      return;
    }
    new Promise(function (resolve) { resolve(s._urlFn()); }).then(function (u) {
      if (u instanceof URL) u = u.href;
      if (typeof u !== 'string') throw new TypeError('URL function returned ' + describe(u) + ', not a string');
      var checked = checkURL(u);
      s._url = checked;
      finish(null, checked);
    }).catch(function (e) {
      finish(String((e && e.message) || e), null);
    });
  }

  // ping(ws) sends a heartbeat ping whose text the page's heartbeatMessage
  // function gives. Go calls it under the engine's lock, so the function
  // runs a moment later, in a microtask, when it may call any method of
  // the socket; the ping goes out then, if ws is still the open WebSocket.
  ping(ws) {
    var port = this;
    queueMicrotask(function () {
      var s = port.ref.deref();
      if (!s || port.ws !== ws || ws.readyState !== 1) return;
      var m;
      try {
        m = s._opts.heartbeatMessage();
      } catch (e) {
        report(e);
      }
      if (port.ws !== ws || ws.readyState !== 1) return; // the function closed it
      ws.send(typeof m === 'string' && m !== '' ? m : DEFAULTS.heartbeatMessage);
    });
  }

  // shouldReconnect(code, reason, wasClean) runs the page's policy for a
  // close the engine decided itself (a heartbeat timeout). The engine asks
  // after unlocking, so the function may call any method of the socket.
  // Closes that the browser reports are asked about before Go sees them
  // (askShouldReconnect). Go falls back to its default when it throws.
  shouldReconnect(code, reason, wasClean) {
    var s = this.ref.deref();
    if (!s) return false;
    return askShouldReconnect(s, code, reason, wasClean);
  }

  // log(line) hands a debug line to the page's debug function or the
  // console, in a microtask: Go logs under the engine's lock, and the
  // function may call any method of the socket.
  log(line) {
    var port = this;
    queueMicrotask(function () {
      var s = port.ref.deref();
      if (!s) return;
      try {
        if (typeof s._opts.debug === 'function') s._opts.debug(line);
        else console.log(line);
      } catch (e) {
        report(e);
      }
    });
  }
}

// askShouldReconnect calls the page's shouldReconnect with a CloseEvent;
// a throw is reported and rethrown, and Go then applies
// wsbeat.DefaultShouldReconnect.
function askShouldReconnect(socket, code, reason, wasClean) {
  try {
    return !!socket._opts.shouldReconnect(new SocketCloseEvent('close', { code: code, reason: reason, wasClean: wasClean }));
  } catch (e) {
    report(e);
    throw e;
  }
}

function ignore() {}

// nativeListeners returns the listeners the socket puts on each of its
// WebSockets. They live as long as the socket, so a reconnect makes no new
// closure and no js.Func. message is the per-message path: no Go, no new
// event object, no clock read (the event's timeStamp is the time of
// arrival). The others report to the engine with plain values and the
// generation number, so Go can ignore an earlier WebSocket's event. An
// empty string goes to Go as undefined (which Go reads as ""), so that a
// reconnect reads no string out of JS.
export function nativeListeners(socket, port) {
  var pong = socket._opts.heartbeatResponse === null ? DEFAULTS.heartbeatResponse : socket._opts.heartbeatResponse;
  var deliverPong = socket._opts.heartbeatResponse === null;
  // An EventTarget's events carry their time of arrival (timeStamp); a
  // WebSocket class that is no EventTarget (ws in Node) gets one small
  // object per message instead. Decided once, not read per message.
  var stamped = typeof EventTarget === 'function' && socket._WebSocket.prototype instanceof EventTarget;
  return {
    message: function (ev) {
      port.lastEv = stamped ? ev : { timeStamp: performance.now() };
      if (ev.data === pong) {
        notify(socket, 'pong');
        if (!deliverPong) return;
      }
      deliver(socket, ev);
    },
    open: function (ev) {
      var ws = ev.target;
      if (ws === port.ws) notify(socket, 'opened', port.gen, ws.protocol || undefined, ws.extensions || undefined);
    },
    error: function (ev) {
      if (ev.target === port.ws) notify(socket, 'failed', port.gen);
    },
    close: function (ev) {
      var ws = ev.target;
      if (ws !== port.ws) return;
      var gen = port.gen;
      port.detach(ws);
      notify(socket, 'closed', gen, ev.code, ev.reason, ev.wasClean, verdict(socket, ev));
    }
  };
}

// verdict asks the page's shouldReconnect about a close the browser
// reported, before Go sees it and outside any lock, where the engine would
// ask: after a connection was open, or a failed attempt that the server
// closed with a code (not 1006), and not after close(). It returns
// undefined when there is nothing to ask, or the function threw (Go then
// applies its default).
function verdict(socket, ev) {
  if (typeof socket._opts.shouldReconnect !== 'function' || socket._closedByUser) return undefined;
  var wasOpen = socket._state === 'open' || socket._state === 'closing';
  if (!wasOpen && ev.code === 1006) return undefined;
  try {
    return askShouldReconnect(socket, ev.code, ev.reason, ev.wasClean);
  } catch (e) {
    return undefined;
  }
}

// notify reports a WebSocket event to the engine. It never throws: an
// error back means the engine has already forgotten the socket.
function notify(socket, name, gen, a, b, c, d) {
  var e = run.engine;
  if (!e || !socket._id) return;
  var r = e[name](socket._id, gen, a, b, c, d);
  if (r instanceof Error && r.name !== 'InvalidStateError') report(r);
}
