// Both ES module entries as an app uses them; `npm run check` compiles
// this under three moduleResolution settings, so a declaration that is
// missing or wrong under any of them fails.
import { Socket, ready, version, ErrorCode, configure, defaults } from 'wsbeat';
import type { Options, SocketCloseEvent, SendResult, State, WSBeatError } from 'wsbeat';
import { useSocket, useSharedSocket, plugin } from 'wsbeat/vue';
import type { UseSocketReturn, Status } from 'wsbeat/vue';
import { control, ControlError } from 'wsbeat/testing';
import { createApp, ref } from 'vue';

configure({ wasmURL: new URL('https://cdn.example/wsbeat.wasm') });

const options: Options = {
  heartbeatInterval: 25_000,
  maxReconnectionDelay: 100, // below the minimum: caps every delay
  WebSocket: globalThis.WebSocket,
  shouldReconnect: (e: CloseEvent) => e.code !== 4001,
};
const ws = new Socket('wss://example.com/feed', ['v1'], options);
const result: SendResult = ws.send(new Uint8Array([1, 2, 3]));
const state: State = ws.state;
ws.addEventListener('close', (e: SocketCloseEvent) => console.log(e.code, e.willReconnect));
ws.addEventListener('error', (e) => {
  const err: WSBeatError | undefined = e.error;
  if (err?.code === ErrorCode.CONNECTION_TIMEOUT || e.message === 'TIMEOUT') ws.reconnect();
});
ws.onmessage = (e: MessageEvent) => console.log(e.data);
const n: number = defaults.heartbeatTimeout + Socket.OPEN;
const v: string = version;
ready.then(() => console.log("engine running"), (e: WSBeatError) => console.error(e.code));

const url = ref('wss://example.com/a');
const api: UseSocketReturn<string> = useSocket<string>(url, { startClosed: true });
const status: Status = api.status.value;
const last: string | null = api.data.value;
const app = createApp({});
app.use(plugin, { url: 'wss://example.com/shared' });
const shared = useSharedSocket();
shared.send('hi');

const server = control('http://127.0.0.1:8080', { tag: 'worker-1' });
server.drop().catch((e: unknown) => { if (e instanceof ControlError) console.log(e.status); });

// @ts-expect-error an unknown option is a type error
new Socket('wss://example.com', [], { heartbeatIntervall: 5 });

export { result, state, n, v, status, last };
