// The ES module entry `wsbeat/vue` (dist/wsbeat-vue.mjs): Vue from the
// `vue` package (a peer dependency) and wsbeat from the `wsbeat` entry,
// so that an app has one engine and one Vue. Importing it runs nothing.
import * as Vue from 'vue';
import * as wsbeat from 'wsbeat';
import { withDeps, useSocket, plugin, useSharedSocket } from './vue.js';

withDeps({
  vue: function () { return Vue; },
  wsbeat: function () { return wsbeat; }
});

export { useSocket, plugin, useSharedSocket };
