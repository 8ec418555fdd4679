// Type declarations for the script-tag builds of wsbeat: the globals
// WSBeat (wsbeat.js) and WSBeatVue (wsbeat-vue.js), from the ES module's
// (wsbeat.d.mts, wsbeat-vue.d.mts) where the two are the same. Options and
// the Vue helper's refs are written in both; types-test/agree.ts fails
// when they drift apart. The reference is docs/api.md.

declare namespace WSBeat {
  // The types of the ES module (wsbeat.d.mts) under the global's names;
  // only Options is spelled out here, with the defaults in its comments.
  type State = import("./wsbeat.mjs").State;
  type SendResult = import("./wsbeat.mjs").SendResult;
  type Data = import("./wsbeat.mjs").Data;
  type URLProvider = import("./wsbeat.mjs").URLProvider;
  type WebSocketClass = import("./wsbeat.mjs").WebSocketClass;

  interface Options {
    /** Lower bound of the backoff window, ms. Default 500. */
    minReconnectionDelay?: number;
    /** Upper bound of the backoff window, ms; below minReconnectionDelay it caps every delay. Default 10000. */
    maxReconnectionDelay?: number;
    /** Window growth per failed attempt. Default 1.5. */
    reconnectionDelayGrowFactor?: number;
    /** Open this long before the retry count resets, ms. Default 5000. */
    minUptime?: number;
    /** An attempt not open by then is abandoned, ms. Default 4000. */
    connectionTimeout?: number;
    /** Failed attempts in a row before giving up; 0 never reconnects. Default Infinity. */
    maxRetries?: number;
    /** Messages held while not open. Default 1000. */
    maxEnqueuedMessages?: number;
    /** Bytes held while not open. Default 1048576. */
    maxEnqueuedBytes?: number;
    /** When the queue is full. Default "drop-oldest". */
    overflow?: "drop-oldest" | "drop-newest" | "throw";
    /** Ping after this much inbound silence, ms; 0: no heartbeat. Default 25000. */
    heartbeatInterval?: number;
    /** No inbound message this long after a ping: dead, ms. Default 10000. */
    heartbeatTimeout?: number;
    /** What a ping sends. Default "ping". */
    heartbeatMessage?: string | (() => string);
    /** Inbound messages equal to this are not delivered; null delivers everything. Default "pong". */
    heartbeatResponse?: string | null;
    /** Whether to reconnect after a close the socket did not ask for. */
    shouldReconnect?: (event: CloseEvent) => boolean;
    /** Do not connect until reconnect() is called. Default false. */
    startClosed?: boolean;
    /** As WebSocket's, kept across reconnects. Default "blob". */
    binaryType?: BinaryType;
    /** true logs to the console; a function receives each log line. Default false. */
    debug?: boolean | ((line: string) => void);
    /** The WebSocket class to dial with (the ws package in Node, a subclass, a mock); globalThis.WebSocket if left out. */
    WebSocket?: WebSocketClass;
  }

  type ErrorCode = import("./wsbeat.mjs").ErrorCode;
  type WSBeatError = import("./wsbeat.mjs").WSBeatError;
  type OpenEvent = import("./wsbeat.mjs").OpenEvent;
  type SocketCloseEvent = import("./wsbeat.mjs").SocketCloseEvent;
  type ErrorEvent = import("./wsbeat.mjs").ErrorEvent;
  type ReconnectingEvent = import("./wsbeat.mjs").ReconnectingEvent;
  type HeartbeatEvent = import("./wsbeat.mjs").HeartbeatEvent;
  type DropEvent = import("./wsbeat.mjs").DropEvent;
  type StateChangeEvent = import("./wsbeat.mjs").StateChangeEvent;
  type StableEvent = import("./wsbeat.mjs").StableEvent;
  type SocketEventMap = import("./wsbeat.mjs").SocketEventMap;
  type Socket = import("./wsbeat.mjs").Socket;
  const Socket: typeof import("./wsbeat.mjs").Socket;

  /** Resolves once the Go engine runs; rejects if it cannot load or exits. */
  const ready: Promise<void>;
  const version: string;
  /** Where to find the engine, if not next to wsbeat.js. Call before it starts loading. */
  function load(options?: { wasmURL?: string | URL; execURL?: string | URL }): Promise<void>;
  /** The option defaults. */
  const defaults: typeof import("./wsbeat.mjs").defaults;
  /** The error codes, by name: errors.CLOSED is "ERR_CLOSED". */
  const errors: typeof import("./wsbeat.mjs").ErrorCode;
  /** Milliseconds from the start of loading to ready, once ready. */
  const startupMs: number | null;
  const engineVersion: string | null;
  /** Engine counters (live js.Funcs, goroutines, sockets, Go heap, calls JS→Go and Go→JS so far), or null before ready. */
  const stats: typeof import("./wsbeat.mjs").stats;
}

declare namespace WSBeatVue {
  interface Ref<T> { value: T; }
  type Status = "OPEN" | "CONNECTING" | "CLOSING" | "CLOSED";
  type MaybeRefOrGetter<T> = T | Ref<T> | (() => T);

  interface UseSocketReturn<T = any> {
    socket: Ref<WSBeat.Socket | null>;
    state: Ref<WSBeat.State>;
    status: Ref<Status>;
    data: Ref<T | null>;
    lastRTT: Ref<number | null>;
    retryCount: Ref<number>;
    send(data: WSBeat.Data): WSBeat.SendResult;
    close(code?: number, reason?: string): void;
    reconnect(code?: number, reason?: string): void;
  }

  function useSocket<T = any>(url: MaybeRefOrGetter<string>, options?: WSBeat.Options): UseSocketReturn<T>;

  interface PluginOptions { url: string; options?: WSBeat.Options; }
  const plugin: { install(app: any, options: PluginOptions): void };
  /** Inject the socket that the plugin provides. */
  function useSharedSocket<T = any>(): UseSocketReturn<T>;
}
