// Importing wsbeat and wsbeat/vue must run nothing observable: no DOM
// access, no fetch, no timer, no global. This script traps each of those,
// imports both entries, and exits 1 naming whatever was touched. Vue
// itself is imported first, untrapped: what it reads is not wsbeat's.
await import('vue');
const touched = [];
const trap = (name) => {
  const orig = globalThis[name];
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() { touched.push(name); return orig; },
    set(v) { touched.push(name + ' (set)'); },
  });
};
['document', 'window', 'navigator', 'location', 'fetch', 'setTimeout', 'setInterval',
  'queueMicrotask', 'addEventListener', 'WebSocket', 'Go', 'fs', 'process', 'crypto'].forEach(trap);
const before = new Set(Reflect.ownKeys(globalThis));

const wsbeat = await import('wsbeat');
const vue = await import('wsbeat/vue');
const testing = await import('wsbeat/testing');

const added = Reflect.ownKeys(globalThis).filter((k) => !before.has(k));
const problems = [];
if (touched.length) problems.push(`read at import: ${[...new Set(touched)].join(', ')}`);
if (added.length) problems.push(`globals added at import: ${added.map(String).join(', ')}`);
for (const name of ['Socket', 'ready', 'version', 'ErrorCode', 'configure']) {
  if (!(name in wsbeat)) problems.push(`wsbeat does not export ${name}`);
}
for (const name of ['useSocket', 'useSharedSocket', 'plugin']) {
  if (!(name in vue)) problems.push(`wsbeat/vue does not export ${name}`);
}
for (const name of ['control', 'ControlError']) {
  if (!(name in testing)) problems.push(`wsbeat/testing does not export ${name}`);
}
// A Socket without a WebSocket class in Node 20 is a TypeError that says
// what to pass.
try {
  new wsbeat.Socket('ws://127.0.0.1:1/', [], { WebSocket: {} });
  problems.push('new Socket with WebSocket: {} did not throw');
} catch (e) {
  if (!(e instanceof TypeError) || !/WebSocket/.test(e.message)) problems.push(`WebSocket: {} threw ${e}`);
}
if (problems.length) {
  console.error('import is not silent:\n  ' + problems.join('\n  '));
  process.exit(1);
}
console.log(`imported wsbeat ${wsbeat.version}, wsbeat/vue and wsbeat/testing: nothing touched, nothing added`);
