// The script-tag build (dist/wsbeat.js): WSBeat as a global, as before.
// startupMs and engineVersion are live values, so they are getters.
import * as wsbeat from './index.js';
import { run } from './engine.js';

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
