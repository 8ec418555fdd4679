/*! wsbeat — a WebSocket that stays up. The state machine is Go (wsbeat.wasm);
 * this file is the page's side: the WebSocket-shaped class, the loader, and
 * the per-message fast path, which never calls into Go. */
(function (global) {
  'use strict';

  var VERSION = '0.1.0';
  var CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
  var READY = { connecting: CONNECTING, reconnecting: CONNECTING, open: OPEN, closing: CLOSING, closed: CLOSED };

  // Option defaults: the one table, as in js-api.md.
  var DEFAULTS = {
    minReconnectionDelay: 500,
    maxReconnectionDelay: 10000,
    reconnectionDelayGrowFactor: 1.5,
    minUptime: 5000,
    connectionTimeout: 4000,
    maxRetries: Infinity,
    maxEnqueuedMessages: 1000,
    maxEnqueuedBytes: 1048576,
    overflow: 'drop-oldest',
    heartbeatInterval: 25000,
    heartbeatTimeout: 10000,
    heartbeatMessage: 'ping',
    heartbeatResponse: 'pong',
    shouldReconnect: undefined,
    startClosed: false,
    binaryType: 'blob',
    debug: false
  };

  // --- loading the engine -------------------------------------------------

  var scriptURL = (document.currentScript && document.currentScript.src) || document.baseURI;
  var locations = {
    wasmURL: new URL('wsbeat.wasm', scriptURL).href,
    execURL: new URL('wasm_exec.js', scriptURL).href
  };
  var engine = null;      // the Go engine object, once running
  var engineError = null; // why the engine is not (or no longer) running
  var loading = false;
  var waiting = new Set(); // sockets that want a Go socket once the engine runs
  var live = new Set();    // sockets with a Go socket
  var readyResolve, readyReject;
  var ready = new Promise(function (res, rej) { readyResolve = res; readyReject = rej; });
  ready.catch(function () {}); // a page that never awaits ready must not see an unhandled rejection

  function load(opts) {
    if (loading) throw new Error('wsbeat: WSBeat.load() must be called before the engine starts loading');
    if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
      throw new TypeError('wsbeat: WSBeat.load(options) takes an object { wasmURL, execURL }, got ' + describe(opts));
    }
    ['wasmURL', 'execURL'].forEach(function (k) {
      if (opts && opts[k] !== undefined) {
        if (typeof opts[k] !== 'string' && !(opts[k] instanceof URL)) {
          throw new TypeError('wsbeat: WSBeat.load option ' + k + ' is ' + describe(opts[k]) + '; it must be a URL string');
        }
        locations[k] = new URL(String(opts[k]), document.baseURI).href;
      }
    });
    start();
    return ready;
  }

  function start() {
    if (loading) return;
    loading = true;
    var t0 = performance.now();
    // The download needs nothing from wasm_exec.js: start it now, so that
    // it overlaps loading that script (measured: about 5% off start-up).
    var early = fetch(locations.wasmURL);
    early.catch(function () {}); // reported through fetched below
    loadExec().then(function () {
      var go = new global.Go();
      // GOGC=25: the engine's live heap is about 50 KB, so at the default
      // 100 the garbage of reconnects grows the wasm memory (which never
      // shrinks) by megabytes before the first GC. Set here rather than
      // with debug.SetGCPercent, whose runtime/debug links fmt and os.
      go.env = Object.assign({}, go.env, { GOGC: '25' });
      var booted = new Promise(function (resolve, reject) {
        global.__wsbeatBoot = { resolve: resolve, reject: reject };
      });
      var fetched = early.then(function (resp) {
        if (!resp.ok) throw new Error('wsbeat: cannot load ' + locations.wasmURL + ': HTTP ' + resp.status);
        return instantiate(resp, go.importObject);
      });
      return fetched.then(function (result) {
        var exited = go.run(result.instance);
        exited.then(function () { quiet(go); engineGone(new Error('wsbeat: the Go engine exited')); },
          function (e) { quiet(go); engineGone(asError(e)); });
        return Promise.race([booted, exited.then(function () {
          throw new Error('wsbeat: the Go engine exited before it started');
        })]);
      });
    }).then(function (eng) {
      delete global.__wsbeatBoot;
      engine = eng;
      api.startupMs = performance.now() - t0;
      api.engineVersion = eng.version;
      readyResolve();
      waiting.forEach(function (s) { s._start(); });
      waiting.clear();
    }).catch(function (e) {
      engineGone(asError(e));
    });
  }

  function loadExec() {
    if (typeof global.Go === 'function') return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = locations.execURL;
      s.onload = function () {
        if (typeof global.Go === 'function') resolve();
        else reject(new Error('wsbeat: ' + locations.execURL + ' did not define Go'));
      };
      s.onerror = function () { reject(new Error('wsbeat: cannot load ' + locations.execURL)); };
      document.head.appendChild(s);
    });
  }

  function instantiate(resp, imports) {
    if (WebAssembly.instantiateStreaming && /application\/wasm/.test(resp.headers.get('Content-Type') || '')) {
      return WebAssembly.instantiateStreaming(resp, imports);
    }
    return resp.arrayBuffer().then(function (buf) { return WebAssembly.instantiate(buf, imports); });
  }

  // quiet makes calls into an exited Go program do nothing. Its js.Funcs
  // can still be registered (as listeners of WebSockets it opened), and
  // wasm_exec.js makes each of their calls throw "Go program has already
  // exited" at the page.
  function quiet(go) {
    go._resume = function () {};
  }

  // engineGone fails everything that depends on the engine: ready rejects,
  // and every socket reports an error and closes, so no call hangs.
  function engineGone(err) {
    if (engineError) return;
    engineError = err;
    engine = null;
    readyReject(err);
    var all = [];
    waiting.forEach(function (s) { all.push(s); });
    live.forEach(function (s) { all.push(s); });
    waiting.clear();
    live.clear();
    all.forEach(function (s) { s._fail(err); });
  }

  // Browser awareness: the network and the page's life feed every socket.
  function each(fn) { live.forEach(function (s) { try { fn(s); } catch (e) { report(e); } }); }
  global.addEventListener('offline', function () { each(function (s) { s._call('setOnline', false); }); });
  global.addEventListener('online', function () { each(function (s) { s._call('resume'); }); });
  global.addEventListener('pageshow', function (e) { if (e.persisted) each(function (s) { s._call('resume'); }); });
  global.addEventListener('pagehide', function (e) { if (e.persisted) each(function (s) { s._call('pause'); }); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') each(function (s) { s._call('resume'); });
  });
  document.addEventListener('resume', function () { each(function (s) { s._call('resume'); }); });

  // --- checking arguments ---------------------------------------------------

  function describe(v) {
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'function') return 'a function';
    if (v === null) return 'null';
    if (Array.isArray(v)) return 'an array';
    if (typeof v === 'object') return 'an object';
    return String(v);
  }

  function asError(e) { return e instanceof Error ? e : new Error(String(e)); }

  function report(e) {
    if (typeof global.reportError === 'function') global.reportError(e);
    else setTimeout(function () { throw e; });
  }

  // checkURL resolves url against the page and maps http(s) to ws(s), or
  // throws a SyntaxError as WebSocket does.
  function checkURL(url) {
    var u;
    try {
      u = new URL(String(url), document.baseURI);
    } catch (e) {
      throw new DOMException("wsbeat: the URL '" + url + "' is invalid", 'SyntaxError');
    }
    if (u.protocol === 'http:') u.protocol = 'ws:';
    else if (u.protocol === 'https:') u.protocol = 'wss:';
    if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
      throw new DOMException("wsbeat: the URL's scheme must be ws:, wss:, http: or https:; '" + u.protocol + "' is not allowed (URL '" + url + "')", 'SyntaxError');
    }
    if (u.hash || String(url).indexOf('#') >= 0) {
      throw new DOMException("wsbeat: the URL '" + url + "' contains a fragment identifier, which WebSocket URLs must not have", 'SyntaxError');
    }
    return u.href;
  }

  var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

  function checkProtocols(p) {
    if (p === undefined || p === null) return [];
    var list = typeof p === 'string' ? [p] : p;
    if (!Array.isArray(list)) {
      throw new DOMException('wsbeat: protocols must be a string or an array of strings, got ' + describe(p), 'SyntaxError');
    }
    var seen = {};
    return list.map(function (x) {
      if (typeof x !== 'string' || !TOKEN.test(x)) {
        throw new DOMException("wsbeat: the subprotocol " + describe(x) + ' is invalid', 'SyntaxError');
      }
      if (seen[x]) throw new DOMException("wsbeat: the subprotocol '" + x + "' is duplicated", 'SyntaxError');
      seen[x] = true;
      return x;
    });
  }

  function bad(name, value, allowed) {
    return new TypeError('wsbeat: option ' + name + ' is ' + describe(value) + '; ' + allowed);
  }

  function num(o, name, min, allowInfinity, positive) {
    var v = o[name];
    var ok = typeof v === 'number' && !isNaN(v) && v >= min && (allowInfinity || isFinite(v)) && (!positive || v > 0);
    if (!ok) {
      throw bad(name, v, 'it must be a ' + (positive ? 'positive ' : 'non-negative ') + 'number' +
        (min > 0 ? ' of at least ' + min : '') + (allowInfinity ? ' or Infinity' : '') + ' (milliseconds for durations)');
    }
    if (v > 2147483647 && !(allowInfinity && v === Infinity)) {
      throw bad(name, v, 'it must be at most 2147483647');
    }
  }

  // checkOptions returns the options with defaults filled in, or throws a
  // TypeError naming the option, the value and what is allowed.
  function checkOptions(options) {
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object') throw new TypeError('wsbeat: options must be an object, got ' + describe(options));
    var o = {};
    Object.keys(options).forEach(function (k) {
      if (!(k in DEFAULTS)) {
        throw new TypeError('wsbeat: unknown option ' + JSON.stringify(k) + '; known options are ' + Object.keys(DEFAULTS).join(', '));
      }
    });
    Object.keys(DEFAULTS).forEach(function (k) { o[k] = options[k] === undefined ? DEFAULTS[k] : options[k]; });
    ['minReconnectionDelay', 'maxReconnectionDelay', 'minUptime', 'heartbeatInterval'].forEach(function (k) { num(o, k, 0, false, false); });
    ['connectionTimeout', 'heartbeatTimeout'].forEach(function (k) { num(o, k, 0, false, true); });
    num(o, 'reconnectionDelayGrowFactor', 1, false, false);
    ['maxRetries', 'maxEnqueuedMessages', 'maxEnqueuedBytes'].forEach(function (k) {
      num(o, k, 0, true, false);
      if (o[k] !== Infinity && Math.floor(o[k]) !== o[k]) throw bad(k, o[k], 'it must be a whole number or Infinity');
    });
    if (o.maxReconnectionDelay < o.minReconnectionDelay) {
      throw bad('maxReconnectionDelay', o.maxReconnectionDelay, 'it must be at least minReconnectionDelay (' + o.minReconnectionDelay + ')');
    }
    if (['drop-oldest', 'drop-newest', 'throw'].indexOf(o.overflow) < 0) {
      throw bad('overflow', o.overflow, 'allowed: "drop-oldest", "drop-newest" or "throw"');
    }
    if (!((typeof o.heartbeatMessage === 'string' && o.heartbeatMessage !== '') || typeof o.heartbeatMessage === 'function')) {
      throw bad('heartbeatMessage', o.heartbeatMessage, 'it must be a non-empty string or a function returning one');
    }
    if (!((typeof o.heartbeatResponse === 'string' && o.heartbeatResponse !== '') || o.heartbeatResponse === null)) {
      throw bad('heartbeatResponse', o.heartbeatResponse, 'it must be a non-empty string or null');
    }
    if (o.shouldReconnect !== undefined && typeof o.shouldReconnect !== 'function') {
      throw bad('shouldReconnect', o.shouldReconnect, 'it must be a function (closeEvent) => boolean');
    }
    if (typeof o.startClosed !== 'boolean') throw bad('startClosed', o.startClosed, 'it must be true or false');
    if (o.binaryType !== 'blob' && o.binaryType !== 'arraybuffer') {
      throw bad('binaryType', o.binaryType, 'allowed: "blob" or "arraybuffer"');
    }
    if (typeof o.debug !== 'boolean' && typeof o.debug !== 'function') {
      throw bad('debug', o.debug, 'it must be true, false or a function receiving each log line');
    }
    return o;
  }

  // closeArgs checks close()'s arguments as WebSocket.close does: the code
  // is converted to an integer as Chromium converts its [Clamp] unsigned
  // short (so "4000" and 4000.5 mean 4000), then must be 1000 or
  // 3000-4999; the reason is converted to a string of at most 123 UTF-8
  // bytes. It returns [code, reason], 0 for no code and undefined for no
  // or an empty reason (Go reads undefined as "", and a reconnect then
  // reads no string out of JS). Without arguments, as close() and
  // reconnect() are mostly called, it checks nothing.
  function closeArgs(code, reason) {
    if (code === undefined && reason === undefined) return NO_CLOSE_ARGS;
    if (code !== undefined) {
      var n = Number(code);
      n = n !== n ? 0 : Math.min(Math.max(Math.trunc(n), 0), 65535);
      if (!(n === 1000 || (n >= 3000 && n <= 4999))) {
        throw new DOMException('wsbeat: the close code must be either 1000, or between 3000 and 4999; ' + describe(code) + ' is neither', 'InvalidAccessError');
      }
      code = n;
    }
    if (reason !== undefined) {
      reason = String(reason);
      if (utf8Length(reason) > 123) {
        throw new DOMException('wsbeat: the close reason must not be longer than 123 UTF-8 bytes', 'SyntaxError');
      }
    }
    return [code === undefined ? 0 : code, reason || undefined];
  }

  var NO_CLOSE_ARGS = [0, undefined];

  function utf8Length(s) {
    var n = 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c < 0x80) n += 1;
      else if (c < 0x800) n += 2;
      else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
      else n += 3;
    }
    return n;
  }

  // sizeOf returns [data, byte size, binary] as WebSocket.send sees them,
  // for a send that may be held. A buffer is copied, as WebSocket.send
  // copies it when called: the page may reuse it as soon as send returns,
  // and a held message must not change with it. Typed arrays and DataViews
  // keep their type, so a drop event reports the kind of data sent.
  function sizeOf(data) {
    if (typeof data === 'string') return [data, utf8Length(data), false];
    if (data instanceof ArrayBuffer) return [data.slice(0), data.byteLength, true];
    if (ArrayBuffer.isView(data)) {
      var copy = new data.constructor(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      return [copy, data.byteLength, true];
    }
    if (typeof Blob !== 'undefined' && data instanceof Blob) return [data, data.size, true];
    var s = String(data);
    return [s, utf8Length(s), false];
  }

  // --- the socket -------------------------------------------------------------

  var Base = typeof EventTarget === 'function' ? EventTarget : Object;

  /**
   * Socket is a WebSocket that stays up. Same call shape as WebSocket.
   */
  class Socket extends Base {
    constructor(url, protocols, options) {
      super();
      if (arguments.length === 0) throw new TypeError("wsbeat: Socket needs a URL: new WSBeat.Socket(url, protocols?, options?)");
      if (typeof url === 'function') {
        this._urlFn = url;
        this._url = '';
      } else {
        if (url instanceof URL) url = url.href;
        if (typeof url !== 'string') throw new DOMException('wsbeat: the URL must be a string or a function returning one, got ' + describe(url), 'SyntaxError');
        this._urlFn = null;
        this._url = checkURL(url);
      }
      this._protocols = checkProtocols(protocols);
      this._opts = checkOptions(options);
      this._binaryType = this._opts.binaryType;
      this._pong = this._opts.heartbeatResponse === null ? 'pong' : this._opts.heartbeatResponse;
      this._deliverPong = this._opts.heartbeatResponse === null;
      this._state = this._opts.startClosed ? 'closed' : 'connecting';
      this._id = 0;           // the Go socket's id, 0 when there is none
      this._ws = null;        // the current WebSocket, from _attach to _detach
      this._fast = null;      // _ws while sends may go straight to it: open, not closed by the page
      this._gen = 0;          // the generation number Go gave _ws
      this._lastEv = null;    // the last message event on _ws; Go reads its timeStamp
      this._pre = [];         // sends held while there is no Go socket
      this._preBytes = 0;
      this._closedByUser = false;
      this._busy = 0;         // depth of page callbacks that Go waits for, holding the socket's lock
      this._protocol = '';
      this._extensions = '';
      this._lastRTT = null;
      this._retryCount = 0;
      this._msgListeners = [];
      this._handlers = {};
      var self = this;
      // The fast path: one function per socket, no Go, no new event object,
      // no clock read (the event's timeStamp is the time of arrival).
      this._onNativeMessage = function (ev) {
        self._lastEv = ev;
        var data = ev.data;
        if (data === self._pong) {
          self._call('pong', data);
          if (!self._deliverPong) return;
        }
        self._deliver(ev);
      };
      // The WebSocket's other events go to the engine as plain values, with
      // the generation number Go gave the WebSocket in _attach; Go ignores
      // an event of an earlier generation. These functions, like
      // _onNativeMessage, live as long as the socket, so a reconnect makes
      // no new closure and no js.Func. An empty string goes to Go as
      // undefined (which Go reads as ""), so that a reconnect reads no
      // string out of JS: that conversion kept about 4 KB of compiled
      // wasm_exec.js code on the JS heap.
      this._onNativeOpen = function (ev) {
        var ws = ev.target;
        if (ws === self._ws) self._notify('opened', self._gen, ws.protocol || undefined, ws.extensions || undefined);
      };
      this._onNativeError = function (ev) {
        if (ev.target === self._ws) self._notify('failed', self._gen);
      };
      this._onNativeClose = function (ev) {
        var ws = ev.target;
        if (ws !== self._ws) return;
        var gen = self._gen;
        self._detach(ws);
        self._notify('closed', gen, ev.code, ev.reason, ev.wasClean);
      };
      if (!this._opts.startClosed) this._want();
    }

    // _want asks for a Go socket: now if the engine runs, else once it does.
    _want() {
      if (engine) this._start();
      else if (engineError) {
        var self = this, err = engineError;
        setTimeout(function () { self._fail(err); }, 0);
      } else {
        waiting.add(this);
        if (!loading) setTimeout(start, 0);
      }
    }

    _start() {
      if (this._id || this._state === 'closed' && this._closedByUser) return;
      var o = this._opts;
      var opts = Object.assign({}, o);
      opts.shouldReconnect = o.shouldReconnect;
      live.add(this);
      var id;
      try {
        id = engine.newSocket(this, this._urlFn ? null : this._url, this._protocols, opts);
      } catch (e) {
        live.delete(this);
        this._fail(asError(e));
        return;
      }
      if (id instanceof Error) { live.delete(this); this._fail(id); return; }
      this._id = id;
      var pre = this._pre;
      this._pre = [];
      this._preBytes = 0;
      for (var i = 0; i < pre.length; i++) {
        try { this._call('send', pre[i][0], pre[i][1], pre[i][2]); } catch (e) { report(e); }
      }
    }

    // _call invokes an engine function for this socket and throws what it
    // returns as an error.
    _call(name, a, b, c) {
      if (!engine || !this._id) return undefined;
      var r = engine[name](this._id, a, b, c);
      if (r instanceof Error || (typeof DOMException === 'function' && r instanceof DOMException)) throw r;
      return r;
    }

    // _notify reports a WebSocket event to the engine. It never throws: an
    // error back means the engine has already forgotten the socket.
    _notify(name, gen, a, b, c) {
      if (!engine || !this._id) return;
      var r = engine[name](this._id, gen, a, b, c);
      if (r instanceof Error && r.name !== 'InvalidStateError') report(r);
    }

    // _get reads a property from the engine. Inside a page function that the
    // engine calls while it holds the socket's lock (heartbeatMessage,
    // shouldReconnect, debug), asking the engine would deadlock the Go
    // program, so the answer is what JS knows.
    _get(name, fallback) {
      if (!engine || !this._id || this._busy) return fallback;
      var r = engine.get(this._id, name);
      return (r instanceof Error) ? fallback : r;
    }

    _notBusy(what) {
      if (this._busy) {
        throw new DOMException('wsbeat: ' + what + ' cannot be called from heartbeatMessage, shouldReconnect or debug', 'InvalidStateError');
      }
    }

    // --- called by Go ---

    // _dial creates the WebSocket of attempt gen and attaches to it; a
    // constructor exception goes to Go as a failed attempt.
    _dial(url, gen) {
      var ws = new WebSocket(url, this._protocols);
      this._attach(ws, gen);
      return ws;
    }

    _attach(ws, gen) {
      ws.binaryType = this._binaryType;
      ws.addEventListener('message', this._onNativeMessage);
      ws.addEventListener('open', this._onNativeOpen);
      ws.addEventListener('error', this._onNativeError);
      ws.addEventListener('close', this._onNativeClose);
      this._ws = ws;
      this._gen = gen;
      this._lastEv = null;
    }

    _detach(ws) {
      ws.removeEventListener('message', this._onNativeMessage);
      ws.removeEventListener('open', this._onNativeOpen);
      ws.removeEventListener('error', this._onNativeError);
      ws.removeEventListener('close', this._onNativeClose);
      if (this._ws === ws) {
        this._ws = null;
        this._lastEv = null;
      }
      if (this._fast === ws) this._fast = null;
    }

    _resolveURL(timeoutMs, cb) {
      var done = false;
      function finish(err, url) {
        if (done) return;
        done = true;
        clearTimeout(timer);
        cb(err, url);
      }
      var timer = setTimeout(function () { finish('URL function timed out after ' + timeoutMs + ' ms', null); }, Math.max(0, timeoutMs));
      var fn = this._urlFn;
      var self = this;
      new Promise(function (resolve) { resolve(fn()); }).then(function (u) {
        if (u instanceof URL) u = u.href;
        if (typeof u !== 'string') throw new TypeError('URL function returned ' + describe(u) + ', not a string');
        var checked = checkURL(u);
        self._url = checked;
        finish(null, checked);
      }).catch(function (e) {
        finish(String((e && e.message) || e), null);
      });
    }

    _pingMessage() {
      this._busy++;
      try {
        var m = this._opts.heartbeatMessage();
        return typeof m === 'string' && m !== '' ? m : DEFAULTS.heartbeatMessage;
      } catch (e) {
        report(e);
        return DEFAULTS.heartbeatMessage;
      } finally {
        this._busy--;
      }
    }

    _shouldReconnect(code, reason, wasClean) {
      this._busy++;
      try {
        return !!this._opts.shouldReconnect(new CloseEvent('close', { code: code, reason: reason, wasClean: wasClean }));
      } catch (e) {
        report(e);
        return defaultShouldReconnect(code);
      } finally {
        this._busy--;
      }
    }

    _log(line) {
      this._busy++;
      try {
        if (typeof this._opts.debug === 'function') this._opts.debug(line);
        else console.log(line);
      } catch (e) {
        report(e);
      } finally {
        this._busy--;
      }
    }

    // _ev turns an engine event into a DOM event.
    _ev(type, a, b, c, d) {
      var ev;
      switch (type) {
        case 'statechange':
          if (a === this._state) return;
          this._state = a;
          this._fast = a === 'open' && !this._closedByUser ? this._ws : null;
          ev = new Event('statechange');
          ev.state = a;
          ev.previous = b;
          break;
        case 'open':
          this._retryCount = a;
          if (this._ws) {
            this._protocol = this._ws.protocol;
            this._extensions = this._ws.extensions;
          }
          ev = new Event('open');
          ev.retryCount = a;
          break;
        case 'message':
          this._deliver(new MessageEvent('message', { data: a }));
          return;
        case 'close':
          this._protocol = '';
          this._extensions = '';
          if (!d) {
            this._id = 0;
            live.delete(this);
          }
          ev = new CloseEvent('close', { code: a, reason: b, wasClean: c });
          ev.willReconnect = d;
          break;
        case 'error':
          ev = new Event('error');
          ev.error = new Error(a);
          break;
        case 'reconnecting':
          this._retryCount = a;
          ev = new Event('reconnecting');
          ev.attempt = a;
          ev.delay = b;
          break;
        case 'heartbeat':
          this._lastRTT = a;
          ev = new Event('heartbeat');
          ev.rtt = a;
          break;
        case 'drop':
          ev = new Event('drop');
          ev.messages = a;
          ev.reason = b;
          break;
        default:
          return;
      }
      this.dispatchEvent(ev);
    }

    // _fail ends a socket whose engine could not run.
    _fail(err) {
      waiting.delete(this);
      live.delete(this);
      this._id = 0;
      var ws = this._ws;
      this._fast = null;
      if (ws) {
        // The engine that watched it is gone: close it, and deliver
        // nothing more from it.
        this._detach(ws);
        try { ws.close(); } catch (e) { /* already closing */ }
      }
      if (this._state === 'closed') return;
      var prev = this._state;
      this._state = 'closed';
      var e = new Event('error');
      e.error = err;
      this.dispatchEvent(e);
      if (this._pre.length) {
        var d = new Event('drop');
        d.messages = this._pre.map(function (p) { return p[0]; });
        d.reason = 'closed';
        this._pre = [];
        this._preBytes = 0;
        this.dispatchEvent(d);
      }
      var s = new Event('statechange');
      s.state = 'closed';
      s.previous = prev;
      this.dispatchEvent(s);
      var c = new CloseEvent('close', { code: 1006, reason: String(err.message || err).slice(0, 123), wasClean: false });
      c.willReconnect = false;
      this.dispatchEvent(c);
    }

    // _deliver calls the message listeners with the event as it is: no copy,
    // no dispatch machinery, as reconnecting-websocket does.
    _deliver(ev) {
      var ls = this._msgListeners;
      if (ls.length === 1) {
        this._invoke(ls[0], ev);
        return;
      }
      ls = ls.slice();
      for (var i = 0; i < ls.length; i++) this._invoke(ls[i], ev);
    }

    _invoke(l, ev) {
      if (l.removed) return; // removed by an earlier listener of this dispatch
      if (l.once) this._removeMessageListener(l.fn);
      try {
        if (typeof l.fn === 'function') l.fn.call(this, ev);
        else l.fn.handleEvent(ev);
      } catch (e) {
        report(e);
      }
    }

    // _removeMessageListener removes the listener fn, or the onmessage
    // handler when handler is true; the two are separate, as on any
    // EventTarget.
    _removeMessageListener(fn, handler) {
      var ls = this._msgListeners;
      for (var i = 0; i < ls.length; i++) {
        if (ls[i].fn === fn && !ls[i].handler === !handler) {
          ls[i].removed = true;
          this._msgListeners = ls.slice(0, i).concat(ls.slice(i + 1));
          return;
        }
      }
    }

    // --- EventTarget, with message listeners on the fast path ---

    addEventListener(type, fn, opts) {
      if (type !== 'message') return super.addEventListener(type, fn, opts);
      if (!fn || (typeof fn !== 'function' && typeof fn.handleEvent !== 'function')) return;
      for (var i = 0; i < this._msgListeners.length; i++) {
        if (this._msgListeners[i].fn === fn && !this._msgListeners[i].handler) return;
      }
      var once = !!(opts && typeof opts === 'object' && opts.once);
      var self = this;
      if (opts && typeof opts === 'object' && opts.signal) {
        if (opts.signal.aborted) return;
        opts.signal.addEventListener('abort', function () { self._removeMessageListener(fn); }, { once: true });
      }
      this._msgListeners = this._msgListeners.concat([{ fn: fn, once: once }]);
    }

    removeEventListener(type, fn, opts) {
      if (type !== 'message') return super.removeEventListener(type, fn, opts);
      this._removeMessageListener(fn);
    }

    dispatchEvent(ev) {
      if (ev && ev.type === 'message') {
        this._deliver(ev);
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
      var n = this._ws ? this._ws.bufferedAmount : 0;
      return n + this._preBytes + this._get('queuedBytes', 0);
    }
    get binaryType() { return this._binaryType; }
    set binaryType(t) {
      if (t !== 'blob' && t !== 'arraybuffer') return; // ignored, as WebSocket does
      this._binaryType = t;
      if (this._ws) this._ws.binaryType = t;
    }

    get retryCount() { return this._get('retryCount', this._retryCount); }
    get queuedMessages() { return this._pre.length + this._get('queuedMessages', 0); }
    get lastRTT() { return this._lastRTT; }
    get state() { return this._state; }

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
      if (argc === 0) throw new TypeError('wsbeat: send(data) needs data');
      if (this._closedByUser) throw new DOMException('wsbeat: send() after close(); call reconnect() to start again', 'InvalidStateError');
      this._notBusy('send()');
      var m = sizeOf(data);
      if (this._id) return this._call('send', m[0], m[1], m[2]);
      return this._hold(m);
    }

    // _hold keeps a send while there is no Go socket, within the queue's
    // limits, and hands it to Go when there is one.
    _hold(m) {
      var o = this._opts;
      var self = this;
      function fits() { return self._pre.length < o.maxEnqueuedMessages && self._preBytes + m[1] <= o.maxEnqueuedBytes; }
      if (!fits()) {
        if (o.overflow === 'throw') throw new DOMException('wsbeat: send queue full (overflow is "throw")', 'QuotaExceededError');
        var dropped = [];
        var keep = o.overflow === 'drop-oldest' && o.maxEnqueuedMessages > 0 && m[1] <= o.maxEnqueuedBytes;
        if (keep) {
          while (!fits()) {
            var old = this._pre.shift();
            this._preBytes -= old[1];
            dropped.push(old[0]);
          }
        } else {
          dropped.push(m[0]);
        }
        var d = new Event('drop');
        d.messages = dropped;
        d.reason = 'overflow';
        this.dispatchEvent(d);
        if (!keep) return 'dropped';
      }
      this._pre.push(m);
      this._preBytes += m[1];
      return 'queued';
    }

    close(code, reason) {
      var args = closeArgs(code, reason);
      this._notBusy('close()');
      if (this._closedByUser) return;
      this._closedByUser = true;
      this._fast = null; // the close may still be on its way through the engine
      waiting.delete(this);
      if (this._id) {
        this._call('close', args[0], args[1]);
        return;
      }
      var prev = this._state;
      if (this._pre.length) {
        var d = new Event('drop');
        d.messages = this._pre.map(function (p) { return p[0]; });
        d.reason = 'closed';
        this._pre = [];
        this._preBytes = 0;
        this.dispatchEvent(d);
      }
      if (prev !== 'closed') {
        this._state = 'closed';
        var s = new Event('statechange');
        s.state = 'closed';
        s.previous = prev;
        this.dispatchEvent(s);
        var c = new CloseEvent('close', { code: args[0] || 1005, reason: args[1], wasClean: false });
        c.willReconnect = false;
        this.dispatchEvent(c);
      }
    }

    reconnect(code, reason) {
      var args = closeArgs(code, reason);
      this._notBusy('reconnect()');
      this._closedByUser = false;
      if (this._id) {
        this._call('reconnect', args[0], args[1]);
        return;
      }
      if (this._state === 'closed') {
        var s = new Event('statechange');
        s.state = 'connecting';
        s.previous = 'closed';
        this._state = 'connecting';
        this.dispatchEvent(s);
      }
      this._want();
    }

    get onopen() { return this._getHandler('open'); }
    set onopen(f) { this._setHandler('open', f); }
    get onmessage() { return this._getHandler('message'); }
    set onmessage(f) { this._setHandler('message', f); }
    get onclose() { return this._getHandler('close'); }
    set onclose(f) { this._setHandler('close', f); }
    get onerror() { return this._getHandler('error'); }
    set onerror(f) { this._setHandler('error', f); }

    _getHandler(type) {
      var h = this._handlers[type];
      return h ? h.fn : null;
    }

    // _setHandler follows WebSocket's on* attributes: the handler is a
    // listener of its own, apart from any addEventListener of the same
    // function; replacing it keeps its place among the listeners; null (or
    // anything not a function) removes it. For message it is an entry of
    // the fast path's list, so onmessage costs no extra call per message.
    _setHandler(type, f) {
      if (typeof f !== 'function') f = null;
      var h = this._handlers[type];
      if (h && f) {
        h.fn = f;
        return;
      }
      if (h) {
        this._handlers[type] = null;
        if (type === 'message') this._removeMessageListener(h.fn, true);
        else super.removeEventListener(type, h.listener);
        return;
      }
      if (!f) return;
      var self = this;
      if (type === 'message') {
        h = { fn: f, once: false, handler: true };
        this._msgListeners = this._msgListeners.concat([h]);
      } else {
        h = { fn: f, listener: function (ev) { return h.fn.call(self, ev); } };
        super.addEventListener(type, h.listener);
      }
      this._handlers[type] = h;
    }
  }

  function defaultShouldReconnect(code) {
    if ([1002, 1003, 1007, 1008, 1009, 1010, 1015].indexOf(code) >= 0) return false;
    return code < 4400 || code > 4499;
  }

  [['CONNECTING', CONNECTING], ['OPEN', OPEN], ['CLOSING', CLOSING], ['CLOSED', CLOSED]].forEach(function (c) {
    Object.defineProperty(Socket, c[0], { value: c[1], enumerable: true });
    Object.defineProperty(Socket.prototype, c[0], { value: c[1], enumerable: true });
  });

  var api = {
    Socket: Socket,
    ready: ready,
    version: VERSION,
    load: load,
    defaults: Object.freeze(Object.assign({}, DEFAULTS)),
    startupMs: null,
    engineVersion: null,
    // stats reports the engine's live js.Funcs, goroutines, sockets and Go
    // heap, or null before it runs; tests use it to find leaks.
    stats: function () { return engine ? engine.stats() : null; }
  };
  global.WSBeat = api;

  // Start loading once the page has had its chance to call WSBeat.load().
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { start(); });
  else setTimeout(function () { if (!loading) start(); }, 0);
})(typeof globalThis !== 'undefined' ? globalThis : window);
