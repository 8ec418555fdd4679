// The script-tag build (dist/wsbeat.js): WSBeat as a global, as before.
// It finds wsbeat.wasm and wasm_exec.js next to its own <script src> and
// starts loading the engine as soon as the page has had its chance to
// call WSBeat.load(). startupMs and engineVersion are live values, so they
// are getters.
import * as wsbeat from './index.js';
import { run, setDefaults, scriptGoClass, start } from './engine.js';

var scriptURL = (document.currentScript && document.currentScript.src) || document.baseURI;
setDefaults({
  wasmURL: new URL('wsbeat.wasm', scriptURL).href,
  execURL: new URL('wasm_exec.js', scriptURL).href,
  goClass: scriptGoClass
});

var api = {
  Socket: wsbeat.Socket,
  ready: wsbeat.ready,
  version: wsbeat.version,
  load: wsbeat.load,
  defaults: wsbeat.defaults,
  errors: wsbeat.ErrorCode,
  stats: wsbeat.stats
};
Object.defineProperty(api, 'startupMs', { enumerable: true, get: function () { return run.startupMs; } });
Object.defineProperty(api, 'engineVersion', { enumerable: true, get: function () { return run.version; } });
globalThis.WSBeat = api;

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { start(); });
else setTimeout(function () { start(); }, 0);
