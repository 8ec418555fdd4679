// Socket: the WebSocket-shaped class. It checks arguments, forwards every
// call to its Go socket, mirrors the engine's state from its events, and
// sends on the open WebSocket itself (the per-message path). It decides no
// state of its own: until the engine runs, and after its Go socket was
// released, calls wait in a small buffer (_calls) that is replayed into a
// new Go socket (docs/internals.md).
import { run, whenRunning, live, finalizers } from './engine.js';
import { checkURL, checkProtocols, checkOptions, checkWebSocketClass, closeArgs, sizeOf } from './options.js';
import { SocketCloseEvent } from './env.js';
import { ErrorCode, domError, typeError, withCode, describe, asError } from './errors.js';
import { armStable } from './events.js';
import { Port, nativeListeners } from './port.js';
import { addMessageListener, removeMessageListener, deliver, retarget, setHandler, getHandler } from './listeners.js';

var CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
var READY = { connecting: CONNECTING, reconnecting: CONNECTING, open: OPEN, closing: CLOSING, closed: CLOSED };

/**
 * Socket is a WebSocket that stays up. Same call shape as WebSocket.
 */
export class Socket extends EventTarget {
  constructor(url, protocols, options) {
    super();
    if (arguments.length === 0) throw typeError(ErrorCode.INVALID_ARGUMENT, 'Socket needs a URL: new WSBeat.Socket(url, protocols?, options?)');
    if (typeof url === 'function') {
      this._urlFn = url;
      this._url = '';
    } else {
      if (url instanceof URL) url = url.href;
      if (typeof url !== 'string') throw domError('SyntaxError', ErrorCode.INVALID_URL, 'the URL must be a string or a function returning one, got ' + describe(url));
      this._urlFn = null;
      this._url = checkURL(url);
    }
    this._protocols = checkProtocols(protocols);
    this._opts = checkOptions(options);
    this._WebSocket = checkWebSocketClass(options);
    this._binaryType = this._opts.binaryType;
    this._state = this._opts.startClosed ? 'closed' : 'connecting';
    this._id = 0;             // the Go socket's id, 0 while there is none
    this._calls = [];         // calls waiting for a Go socket, or null while there is one
    this._fast = null;        // the WebSocket while sends may go straight to it: open, not closed by the page
    this._closedByUser = false; // mirrors the engine's: close() was the last of close() and reconnect()
    this._protocol = '';
    this._extensions = '';
    this._lastRTT = null;
    this._retryCount = 0;
    this._msgListeners = [];
    this._handlers = {};
    this._stableTimer = 0;    // armStable's, while open
    this._wantsStable = false; // a "stable" listener was added: time it
    this._openedAt = 0;        // Date.now() at the last open event
    // A message event that the page dispatches has the socket as target
    // and currentTarget (listeners.js, retarget). The browser's own message
    // events keep the inner WebSocket: see README, "Events".
    this._targets = { target: { value: this, configurable: true }, currentTarget: { value: this, configurable: true } };
    this._port = new Port(this);
    this._native = nativeListeners(this, this._port);
    if (!this._opts.startClosed) {
      this._calls.push(['reconnect', 0, undefined]);
      live.add(this);
    }
    whenRunning(this);
  }

  // _create makes the Go socket and replays the waiting calls into it, all
  // in one call, before any WebSocket is made: a socket closed before the
  // engine ran never connects.
  _create() {
    var calls = this._calls;
    if (calls === null || !run.engine) return;
    this._calls = null;
    var id;
    try {
      id = run.engine.create(this._port, this._urlFn ? null : this._url, this._protocols, this._opts, calls);
    } catch (e) {
      id = asError(e);
    }
    if (id instanceof Error) {
      this._calls = [];
      this._engineGone(id);
      return;
    }
    if (this._calls !== null) return; // released while replaying: its final close came
    this._id = id;
    finalizers.register(this, id, this._port);
  }

  // _released forgets the Go socket, which the engine has let go of after
  // the final close that close() asked for; reconnect() makes a new one.
  _released() {
    finalizers.unregister(this._port);
    this._id = 0;
    this._calls = [];
  }

  // _call forwards a call to the Go socket and throws what it returns as an
  // error. Without a Go socket the call waits in _calls, and if the engine
  // runs (the old one was released) a new Go socket is made at once.
  _call(name, a, b, c) {
    if (this._id) {
      var r = run.engine[name](this._id, a, b, c);
      if (r instanceof Error || r instanceof DOMException) throw r;
      return r;
    }
    this._calls.push([name, a, b, c]);
    if (run.engine) this._create();
    return undefined;
  }

  // _get reads a property of the Go socket, or answers what JS knows when
  // there is no Go socket yet (before the engine runs) or it failed.
  _get(name, fallback) {
    if (!this._id) return fallback;
    var r = run.engine.get(this._id, name);
    return r instanceof Error ? fallback : r;
  }

  // _waiting sums the sends waiting in _calls: [messages, bytes].
  _waiting() {
    var n = 0, bytes = 0;
    var calls = this._calls || [];
    for (var i = 0; i < calls.length; i++) {
      if (calls[i][0] === 'send') { n++; bytes += calls[i][2]; }
    }
    return [n, bytes];
  }

  // _engineGone ends a socket whose engine could not run or exited: the
  // one close that JS decides, as there is no Go left to decide it.
  _engineGone(err) {
    live.delete(this);
    clearTimeout(this._stableTimer);
    this._id = 0;
    var ws = this._port.ws;
    this._fast = null;
    if (ws) {
      // The engine that watched it is gone: close it, and deliver
      // nothing more from it.
      this._port.detach(ws);
      try { ws.close(); } catch (e) { /* already closing */ }
    }
    var dropped = [];
    (this._calls || []).forEach(function (c) { if (c[0] === 'send') dropped.push(c[1]); });
    this._calls = [];
    if (this._state === 'closed') return;
    var prev = this._state;
    this._state = 'closed';
    var e = new Event('error');
    e.error = err;
    this.dispatchEvent(e);
    if (dropped.length) {
      var d = new Event('drop');
      d.messages = dropped;
      d.reason = 'closed';
      this.dispatchEvent(d);
    }
    var s = new Event('statechange');
    s.state = 'closed';
    s.previous = prev;
    this.dispatchEvent(s);
    var c = new SocketCloseEvent('close', { code: 1006, reason: String(err.message || err).slice(0, 123), wasClean: false });
    c.willReconnect = false;
    this.dispatchEvent(c);
  }

  // --- EventTarget, with message listeners on the per-message path ---

  addEventListener(type, fn, opts) {
    if (type === 'stable' && !this._wantsStable) {
      this._wantsStable = true;
      if (this._state === 'open') armStable(this); // what is left of minUptime
    }
    if (type !== 'message') return super.addEventListener(type, fn, opts);
    addMessageListener(this, fn, opts);
  }

  removeEventListener(type, fn, opts) {
    if (type !== 'message') return super.removeEventListener(type, fn, opts);
    removeMessageListener(this, fn);
  }

  dispatchEvent(ev) {
    if (ev && ev.type === 'message') {
      retarget(this, ev);
      deliver(this, ev);
      return !ev.defaultPrevented;
    }
    return super.dispatchEvent(ev);
  }

  // --- WebSocket's surface ---

  get url() { return this._urlFn ? this._get('url', this._url) || this._url : this._url; }
  get protocol() { return this._protocol; }
  get extensions() { return this._extensions; }
  get readyState() { return READY[this._state]; }
  get bufferedAmount() {
    var ws = this._port.ws;
    return (ws ? ws.bufferedAmount : 0) + (this._id ? this._get('queuedBytes', 0) : this._waiting()[1]);
  }
  get binaryType() { return this._binaryType; }
  set binaryType(t) {
    if (t !== 'blob' && t !== 'arraybuffer') return; // ignored, as WebSocket does
    this._binaryType = t;
    if (this._port.ws) this._port.ws.binaryType = t;
  }

  get retryCount() { return this._get('retryCount', this._retryCount); }
  get queuedMessages() { return this._id ? this._get('queuedMessages', 0) : this._waiting()[0]; }
  get lastRTT() { return this._lastRTT; }
  get state() { return this._state; }

  // _onNativeMessage is the per-message listener, under the name that
  // e2e/bench times it by.
  get _onNativeMessage() { return this._native.message; }

  send(data) {
    var ws = this._fast;
    if (ws !== null && arguments.length !== 0) {
      ws.send(data);
      return 'sent';
    }
    return this._sendSlow(data, arguments.length);
  }

  _sendSlow(data, argc) {
    // send() without data is a TypeError, as on WebSocket, before any
    // state check; send(undefined) sends "undefined", as there.
    if (argc === 0) throw typeError(ErrorCode.INVALID_ARGUMENT, 'send(data) needs data');
    if (this._closedByUser) throw domError('InvalidStateError', ErrorCode.CLOSED, 'send() after close(); call reconnect() to start again');
    var m = sizeOf(data);
    var r = this._call('send', m[0], m[1], m[2]);
    return r === undefined ? 'queued' : r;
  }

  close(code, reason) {
    var args = closeArgs(code, reason);
    if (this._closedByUser) return;
    this._closedByUser = true;
    this._fast = null; // the close may still be on its way through the engine
    if (run.error) {
      this._engineGone(run.error);
      return;
    }
    if (this._call('close', args[0], args[1]) === true) this._released();
  }

  reconnect(code, reason) {
    var args = closeArgs(code, reason);
    this._closedByUser = false;
    if (run.error) {
      if (this._state === 'closed') {
        var s = new Event('statechange');
        s.state = 'connecting';
        s.previous = 'closed';
        this._state = 'connecting';
        this.dispatchEvent(s);
      }
      whenRunning(this);
      return;
    }
    this._call('reconnect', args[0], args[1]);
  }

  get onopen() { return getHandler(this, 'open'); }
  set onopen(f) { this._setHandler('open', f); }
  get onmessage() { return getHandler(this, 'message'); }
  set onmessage(f) { this._setHandler('message', f); }
  get onclose() { return getHandler(this, 'close'); }
  set onclose(f) { this._setHandler('close', f); }
  get onerror() { return getHandler(this, 'error'); }
  set onerror(f) { this._setHandler('error', f); }

  _setHandler(type, f) {
    var self = this;
    setHandler(this, type, f,
      function (t, l) { EventTarget.prototype.addEventListener.call(self, t, l); },
      function (t, l) { EventTarget.prototype.removeEventListener.call(self, t, l); });
  }
}

[['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]].forEach(function (c) {
  Object.defineProperty(Socket, c[0], { value: c[1], enumerable: true });
  Object.defineProperty(Socket.prototype, c[0], { value: c[1], enumerable: true });
});
