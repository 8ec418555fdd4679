// The script-tag globals (dist/wsbeat.js and dist/wsbeat-vue.js).
/// <reference types="wsbeat/dist/wsbeat.d.ts" />
const g = new WSBeat.Socket('/echo', [], { heartbeatInterval: 1000 });
g.addEventListener('heartbeat', (e) => console.log(e.rtt));
const s = WSBeatVue.useSocket('/echo');
WSBeat.ready.then(() => console.log(WSBeat.version, s.status.value));
export {};
