/* Loads the empty Go program the way wsbeat.js loads wsbeat.wasm: the same
 * wasm_exec.js by a script tag, fetch, instantiateStreaming when the server
 * says application/wasm, run; started on a later task as wsbeat.js does.
 * emptyGo.ready resolves when the program's main has returned. */
(function (global) {
  'use strict';
  var execURL = '/dist/wasm_exec.js';
  var wasmURL = '/bench-build/empty.wasm';
  var api = { ready: null, startupMs: null };
  global.emptyGo = api;

  function loadExec() {
    if (typeof global.Go === 'function') return Promise.resolve();
    return new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = execURL;
      s.onload = function () { resolve(); };
      s.onerror = function () { reject(new Error('cannot load ' + execURL)); };
      document.head.appendChild(s);
    });
  }

  function instantiate(resp, imports) {
    if (WebAssembly.instantiateStreaming && /application\/wasm/.test(resp.headers.get('Content-Type') || '')) {
      return WebAssembly.instantiateStreaming(resp, imports);
    }
    return resp.arrayBuffer().then(function (buf) { return WebAssembly.instantiate(buf, imports); });
  }

  api.ready = new Promise(function (resolve) { setTimeout(resolve, 0); }).then(function () {
    var t0 = performance.now();
    return loadExec().then(function () {
      var go = new global.Go();
      return fetch(wasmURL).then(function (resp) {
        if (!resp.ok) throw new Error('cannot load ' + wasmURL + ': HTTP ' + resp.status);
        return instantiate(resp, go.importObject);
      }).then(function (result) {
        return go.run(result.instance);
      });
    }).then(function () {
      api.startupMs = performance.now() - t0;
    });
  });
})(typeof globalThis !== 'undefined' ? globalThis : window);
