// Loading the Go engine (wsbeat.wasm) and what the host tells every socket
// at once (network and page life). The engine object is Go's; its
// functions and their arguments are the protocol of docs/internals.md.
// Nothing here runs at import: the engine loads when the first socket is
// made, or when ready is awaited or load() called (docs/api.md,
// "Installing and loading").
import { ErrorCode, withCode, engineError, asError, describe, typeError } from './errors.js';
import { baseURL, watchPage } from './env.js';

// locations says where the engine comes from. Each entry sets its
// default (setDefaults): the script-tag build from its own <script src>,
// the ES module from import.meta.url. configure() or load() override it.
var locations = { wasmURL: null, execURL: null };
// goClass returns a promise of Go's class from wasm_exec.js: a script tag
// in the script-tag build, a dynamic import in the ES module.
var goClass = null;

// setDefaults is for the entry points only: where the engine is unless
// the page says otherwise, and how to get wasm_exec.js's Go class.
export function setDefaults(d) {
  if (d.wasmURL) locations.wasmURL = String(d.wasmURL);
  if (d.execURL) locations.execURL = String(d.execURL);
  if (d.goClass) goClass = d.goClass;
}

// run is what the rest of wsbeat reads: the engine once it runs, or why it
// does not (and never will).
export var run = { engine: null, error: null, startupMs: null, version: null };

var loading = false;
// waiting holds the sockets made before the engine runs, until it does.
var waiting = new Set();
// live holds the sockets whose state is not "closed": those the page may
// have let go of while they still connect, as a WebSocket is kept while
// it connects. A closed socket is held by the page alone, so that it can be
// collected, and then its Go socket is released (finalizers below).
export var live = new Set();

var readyResolve, readyReject;
export var ready = new Promise(function (res, rej) { readyResolve = res; readyReject = rej; });
ready.catch(function () {}); // a page that never awaits ready must not see an unhandled rejection

// finalizers releases the Go socket of a socket the page dropped: the
// held value is the Go socket's id, never the socket itself.
export var finalizers = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(function (id) { if (run.engine) run.engine.release(id); })
  : { register: function () {}, unregister: function () {} };

// whenRunning calls socket._create() once the engine runs (now if it
// does), or socket._engineGone(err) if it cannot.
export function whenRunning(socket) {
  if (run.engine) socket._create();
  else if (run.error) {
    var err = run.error;
    setTimeout(function () { socket._engineGone(err); }, 0);
  } else {
    waiting.add(socket);
    if (!loading) setTimeout(start, 0);
  }
}

// configure({ wasmURL, execURL }) sets where the engine is loaded from,
// before it loads; it starts nothing.
export function configure(opts) {
  if (loading) throw withCode(new Error('wsbeat: configure() and load() must be called before the engine starts loading (before the first Socket)'), ErrorCode.INVALID_ARGUMENT);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw typeError(ErrorCode.INVALID_ARGUMENT, 'configure(options) takes an object { wasmURL, execURL }, got ' + describe(opts));
  }
  ['wasmURL', 'execURL'].forEach(function (k) {
    if (opts && opts[k] !== undefined) {
      if (typeof opts[k] !== 'string' && !(opts[k] instanceof URL)) {
        throw typeError(ErrorCode.INVALID_ARGUMENT, 'option ' + k + ' is ' + describe(opts[k]) + '; it must be a URL or a URL string');
      }
      try {
        locations[k] = new URL(String(opts[k]), baseURL()).href;
      } catch (e) {
        throw typeError(ErrorCode.INVALID_ARGUMENT, 'option ' + k + ' is ' + describe(String(opts[k])) + ', which is not a URL here; pass an absolute URL');
      }
    }
  });
}

// load(options) is configure(options), then starts loading the engine; it
// returns the ready promise.
export function load(opts) {
  configure(opts);
  start();
  return ready;
}

export function start() {
  if (loading) return;
  loading = true;
  var t0 = performance.now();
  // The download needs nothing from wasm_exec.js: start it now, so that
  // it overlaps loading that script (measured: about 5% off start-up).
  watchPage(page);
  var early = download(locations.wasmURL);
  early.catch(function () {}); // reported through fetched below
  loadGo().then(function (Go) {
    var go = new Go();
    // GOGC=25: the engine's live heap is about 50 KB, so at the default
    // 100 the garbage of reconnects grows the wasm memory (which never
    // shrinks) by megabytes before the first GC. Set here rather than
    // with debug.SetGCPercent, whose runtime/debug links fmt and os.
    go.env = Object.assign({}, go.env, { GOGC: '25' });
    letGoOfIdleTimers(go);
    var booted = new Promise(function (resolve, reject) {
      globalThis.__wsbeatBoot = { resolve: resolve, reject: reject };
    });
    var fetched = early.then(function (src) { return instantiate(src, go.importObject); });
    return fetched.then(function (result) {
      var exited = go.run(result.instance);
      exited.then(function () { quiet(go); engineGone(engineError('the Go engine exited')); },
        function (e) { quiet(go); engineGone(asEngineError(e)); });
      return Promise.race([booted, exited.then(function () {
        throw engineError('the Go engine exited before it started');
      })]);
    });
  }).then(function (eng) {
    delete globalThis.__wsbeatBoot;
    run.engine = eng;
    run.startupMs = performance.now() - t0;
    run.version = eng.version;
    readyResolve();
    var all = Array.from(waiting);
    waiting.clear();
    all.forEach(function (s) { s._create(); });
  }).catch(function (e) {
    engineGone(asEngineError(e));
  });
}

function asEngineError(e) {
  e = asError(e);
  if (e.code === undefined || e.code === ErrorCode.INTERNAL) withCode(e, ErrorCode.ENGINE);
  return e;
}

// loadGo returns a promise of wasm_exec.js's Go class.
function loadGo() {
  if (typeof globalThis.Go === 'function') return Promise.resolve(globalThis.Go);
  if (!goClass) return Promise.reject(engineError('no way to load wasm_exec.js here'));
  return goClass(locations.execURL).then(function () {
    if (typeof globalThis.Go !== 'function') throw engineError((locations.execURL || 'wasm_exec.js') + ' did not define Go');
    return globalThis.Go;
  });
}

// scriptGoClass loads wasm_exec.js with a script tag (the script-tag
// build's way).
export function scriptGoClass(url) {
  return new Promise(function (resolve, reject) {
    var s = document.createElement('script');
    s.src = url;
    s.onload = function () { resolve(); };
    s.onerror = function () { reject(engineError('cannot load ' + url)); };
    document.head.appendChild(s);
  });
}

// download starts fetching the wasm: a Response, or the bytes of a file:
// URL, which Node's fetch does not read. The module name is a variable,
// and marked, so that no bundler tries to bundle node:fs for a browser.
function download(url) {
  if (!url) return Promise.reject(engineError('no wasmURL: call configure({ wasmURL }) first'));
  if (url.lastIndexOf('file:', 0) === 0) {
    var fsModule = 'node:fs/promises';
    return import(/* webpackIgnore: true */ /* @vite-ignore */ fsModule).then(function (fs) {
      return fs.readFile(new URL(url));
    }, function () {
      throw engineError('cannot read ' + url + ' here; call configure({ wasmURL }) with an http(s) URL');
    });
  }
  return fetch(url).then(function (resp) {
    if (!resp.ok) throw engineError('cannot load ' + url + ': HTTP ' + resp.status);
    return resp;
  });
}

function instantiate(src, imports) {
  if (typeof Response === 'undefined' || !(src instanceof Response)) return WebAssembly.instantiate(src, imports);
  if (WebAssembly.instantiateStreaming && /application\/wasm/.test(src.headers.get('Content-Type') || '')) {
    return WebAssembly.instantiateStreaming(src, imports);
  }
  return src.arrayBuffer().then(function (buf) { return WebAssembly.instantiate(buf, imports); });
}

// letGoOfIdleTimers keeps Go's timers from holding Node's event loop once
// no socket is left. Go schedules its next wake-up with setTimeout, and a
// timer that Go stops (a connection timeout, a heartbeat) leaves that
// setTimeout pending until it fires: after the last close() a Node
// program would wait that long to exit. Where timers can be unref'd
// (Node), Go's are while no socket is live; a browser has nothing to do.
var timersOf = null;
function letGoOfIdleTimers(go) {
  var gojs = go.importObject && go.importObject.gojs;
  var schedule = gojs && gojs['runtime.scheduleTimeoutEvent'];
  if (typeof schedule !== 'function') return;
  timersOf = go; // its _scheduledTimeouts map exists once it runs
  gojs['runtime.scheduleTimeoutEvent'] = function (sp) {
    schedule.call(this, sp);
    if (live.size === 0) idle();
  };
}

// idle is called when the last live socket has closed.
export function idle() {
  var timers = timersOf && timersOf._scheduledTimeouts;
  if (!(timers instanceof Map) || live.size !== 0) return;
  timers.forEach(function (t) { if (t && typeof t.unref === 'function') t.unref(); });
}

// quiet makes calls into an exited Go program do nothing. Its js.Funcs
// can still be registered (as listeners of WebSockets it opened), and
// wasm_exec.js makes each of their calls throw "Go program has already
// exited" at the page.
function quiet(go) {
  go._resume = function () {};
}

// engineGone fails everything that depends on the engine: ready rejects,
// and every socket reports an error and closes, so no call hangs. This is
// the one close that JS decides, because there is no Go left to decide it.
function engineGone(err) {
  if (run.error) return;
  run.error = err;
  run.engine = null;
  readyReject(err);
  var all = Array.from(waiting).concat(Array.from(live));
  waiting.clear();
  live.clear();
  all.forEach(function (s) { s._engineGone(err); });
}

// Browser awareness: the network and the page's life reach every Go
// socket in one call (see page() in jsbridge/engine.go); start() begins
// to listen (env.js watchPage).
function page(what) {
  if (run.engine) run.engine.page(what);
}
