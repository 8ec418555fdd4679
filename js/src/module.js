// The ES module entry, `import { Socket } from 'wsbeat'` (dist/wsbeat.mjs).
// Importing it runs nothing observable: no DOM, no fetch, no timer. The
// engine loads when the first Socket is made, or when ready is awaited,
// from wsbeat.wasm next to this file: bundlers see the new URL(...,
// import.meta.url) below and copy and fingerprint the wasm.
import { run, setDefaults, start, ready as engineReady, configure, load } from './engine.js';
import { Socket, version, defaults, ErrorCode, stats } from './index.js';

setDefaults({
  wasmURL: new URL('./wsbeat.wasm', import.meta.url),
  goClass: function () { return import('./wasm_exec.js'); }
});

// Ready is a promise that starts loading the engine when it is awaited
// (or then/catch/finally is called), so that `await ready` both loads and
// waits, and an import alone loads nothing.
class Ready extends Promise {
  static get [Symbol.species]() { return Promise; }
  then(onResolved, onRejected) {
    start();
    return super.then(onResolved, onRejected);
  }
}

/** ready resolves once the engine runs; awaiting it starts loading it. */
export var ready = new Ready(function (resolve) { resolve(engineReady); });
Promise.prototype.then.call(ready, undefined, function () {}); // never an unhandled rejection by itself

/** startup returns the milliseconds the engine took to load, or null before it ran. */
export function startupMs() { return run.startupMs; }

export { Socket, version, defaults, ErrorCode, stats, configure, load };
