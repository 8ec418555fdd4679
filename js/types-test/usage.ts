// Compiled by `make test` (tsc --noEmit): every part of the contract used
export {};
// as a page would, so a wrong or missing declaration fails the build.

const ws = new WSBeat.Socket("ws://127.0.0.1:8080/echo", ["chat"], {
  minReconnectionDelay: 100,
  maxReconnectionDelay: 5000,
  reconnectionDelayGrowFactor: 2,
  minUptime: 1000,
  connectionTimeout: 2000,
  maxRetries: Infinity,
  maxEnqueuedMessages: 10,
  maxEnqueuedBytes: 1024,
  overflow: "throw",
  heartbeatInterval: 1000,
  heartbeatTimeout: 500,
  heartbeatMessage: () => JSON.stringify({ type: "ping" }),
  heartbeatResponse: null,
  shouldReconnect: (e: CloseEvent) => e.code !== 4001,
  startClosed: true,
  binaryType: "arraybuffer",
  debug: (line: string) => console.log(line),
});
const fromFn = new WSBeat.Socket(async () => "wss://example.test/ws?token=x");
const plain = new WSBeat.Socket("ws://127.0.0.1:8080/echo");

const rs: 0 | 1 | 2 | 3 = ws.readyState;
const open: number = WSBeat.Socket.OPEN + ws.CLOSED;
const st: WSBeat.State = ws.state;
const rtt: number | null = ws.lastRTT;
const counts: number = ws.retryCount + ws.queuedMessages + ws.bufferedAmount;
const strs: string = ws.url + ws.protocol + ws.extensions;
ws.binaryType = "blob";

const r: WSBeat.SendResult = ws.send("hello");
ws.send(new ArrayBuffer(8));
ws.send(new Uint8Array(4));
ws.send(new DataView(new ArrayBuffer(2)));
ws.send(new Blob(["x"]));
ws.close(1000, "bye");
ws.reconnect();
fromFn.close();

ws.onopen = (e) => { const n: number = e.retryCount; };
ws.onmessage = (e) => { const d: unknown = e.data; };
ws.onclose = (e) => { const w: boolean = e.willReconnect; const c: number = e.code; };
ws.onerror = (e) => {
  const code: WSBeat.ErrorCode | undefined = e.error?.code;
  if (code === WSBeat.errors.HEARTBEAT_TIMEOUT) console.log("dead connection");
};
ws.addEventListener("stable", (e) => { const n: number = e.retryCount; });
try { ws.send("x"); } catch (e) { if ((e as WSBeat.WSBeatError).code === "ERR_CLOSED") console.log("closed"); }
ws.addEventListener("reconnecting", (e) => { const a: number = e.attempt + e.delay; });
ws.addEventListener("heartbeat", (e) => { const x: number = e.rtt; });
ws.addEventListener("drop", (e) => { const m: WSBeat.Data[] = e.messages; const why: string = e.reason; });
ws.addEventListener("statechange", (e) => { const s: WSBeat.State = e.state; const p: WSBeat.State = e.previous; });
ws.addEventListener("custom", () => {}, { once: true });
plain.dispatchEvent(new Event("x"));

WSBeat.ready.then(() => { const v: string = WSBeat.version; });
WSBeat.load({ wasmURL: "/dist/wsbeat.wasm", execURL: new URL("http://x/wasm_exec.js") });
const d: number = WSBeat.defaults.heartbeatInterval;
const stats = WSBeat.stats();
if (stats) { const f: number = stats.funcs + stats.goroutines + stats.jsToGo + stats.goToJS; }

const v = WSBeatVue.useSocket<string>("ws://127.0.0.1:8080/echo", { heartbeatInterval: 1000 });
const status: WSBeatVue.Status = v.status.value;
const data: string | null = v.data.value;
v.send("x");
v.close();
v.reconnect();
const getterURL = WSBeatVue.useSocket(() => "ws://a/b");
const refURL = WSBeatVue.useSocket({ value: "ws://a/b" });
const shared = WSBeatVue.useSharedSocket();
const plugin: { install(app: any, options: WSBeatVue.PluginOptions): void } = WSBeatVue.plugin;

// @ts-expect-error: overflow takes only the three policies
new WSBeat.Socket("ws://x", [], { overflow: "grow" });
// @ts-expect-error: send does not take a number
ws.send(42);
