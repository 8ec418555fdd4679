// The script-tag build (dist/wsbeat-vue.js): WSBeatVue as a global, with
// Vue's global build and wsbeat.js as globals, read when first used, so
// the order of the script tags matters less; a missing one fails with a
// message that says which tag to add.
import { withDeps, useSocket, plugin, useSharedSocket } from './vue.js';

function needGlobal(name, file) {
  var v = globalThis[name];
  if (!v) throw new Error('wsbeat-vue: the global ' + name + ' is missing; load ' + file + ' before using WSBeatVue');
  return v;
}

withDeps({
  vue: function () { return needGlobal('Vue', "Vue's global build (vue.global.prod.js)"); },
  wsbeat: function () { return needGlobal('WSBeat', 'wsbeat.js'); }
});

globalThis.WSBeatVue = { useSocket: useSocket, plugin: plugin, useSharedSocket: useSharedSocket };
