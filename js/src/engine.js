// Loading the Go engine (wsbeat.wasm) and what the page tells every socket
// at once (network and page life). The engine object is Go's; its
// functions and their arguments are the protocol of docs/internals.md.
import { ErrorCode, withCode, engineError, asError, describe, typeError } from './errors.js';

var scriptURL = (typeof document !== 'undefined' && document.currentScript && document.currentScript.src) || document.baseURI;
var locations = {
  wasmURL: new URL('wsbeat.wasm', scriptURL).href,
  execURL: new URL('wasm_exec.js', scriptURL).href
};

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

export function load(opts) {
  if (loading) throw withCode(new Error('wsbeat: WSBeat.load() must be called before the engine starts loading'), ErrorCode.INVALID_ARGUMENT);
  if (opts !== undefined && (opts === null || typeof opts !== 'object')) {
    throw typeError(ErrorCode.INVALID_ARGUMENT, 'WSBeat.load(options) takes an object { wasmURL, execURL }, got ' + describe(opts));
  }
  ['wasmURL', 'execURL'].forEach(function (k) {
    if (opts && opts[k] !== undefined) {
      if (typeof opts[k] !== 'string' && !(opts[k] instanceof URL)) {
        throw typeError(ErrorCode.INVALID_ARGUMENT, 'WSBeat.load option ' + k + ' is ' + describe(opts[k]) + '; it must be a URL string');
      }
      locations[k] = new URL(String(opts[k]), document.baseURI).href;
    }
  });
  start();
  return ready;
}

export function start() {
  if (loading) return;
  loading = true;
  var t0 = performance.now();
  // The download needs nothing from wasm_exec.js: start it now, so that
  // it overlaps loading that script (measured: about 5% off start-up).
  var early = fetch(locations.wasmURL);
  early.catch(function () {}); // reported through fetched below
  loadExec().then(function () {
    var go = new globalThis.Go();
    // GOGC=25: the engine's live heap is about 50 KB, so at the default
    // 100 the garbage of reconnects grows the wasm memory (which never
    // shrinks) by megabytes before the first GC. Set here rather than
    // with debug.SetGCPercent, whose runtime/debug links fmt and os.
    go.env = Object.assign({}, go.env, { GOGC: '25' });
    var booted = new Promise(function (resolve, reject) {
      globalThis.__wsbeatBoot = { resolve: resolve, reject: reject };
    });
    var fetched = early.then(function (resp) {
      if (!resp.ok) throw engineError('cannot load ' + locations.wasmURL + ': HTTP ' + resp.status);
      return instantiate(resp, go.importObject);
    });
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

function loadExec() {
  if (typeof globalThis.Go === 'function') return Promise.resolve();
  return new Promise(function (resolve, reject) {
    var s = document.createElement('script');
    s.src = locations.execURL;
    s.onload = function () {
      if (typeof globalThis.Go === 'function') resolve();
      else reject(engineError(locations.execURL + ' did not define Go'));
    };
    s.onerror = function () { reject(engineError('cannot load ' + locations.execURL)); };
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
// socket in one call (see page() in jsbridge/engine.go).
function page(what) {
  if (run.engine) run.engine.page(what);
}
if (typeof addEventListener === 'function') {
  addEventListener('offline', function () { page('offline'); });
  addEventListener('online', function () { page('online'); });
  addEventListener('pageshow', function (e) { if (e.persisted) page('resume'); });
  addEventListener('pagehide', function (e) { if (e.persisted) page('pause'); });
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'visible') page('resume');
  });
  document.addEventListener('resume', function () { page('resume'); });

  // Start loading once the page has had its chance to call WSBeat.load().
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { start(); });
  else setTimeout(function () { if (!loading) start(); }, 0);
}
