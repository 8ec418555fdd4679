// Type declarations for wsbeat: WSBeat (wsbeat.js) and WSBeatVue
// (wsbeat-vue.js). The contract is js-api.md.

declare namespace WSBeat {
  type State = "connecting" | "open" | "reconnecting" | "closing" | "closed";
  type SendResult = "sent" | "queued" | "dropped";
  type Data = string | ArrayBufferLike | ArrayBufferView | Blob;
  type URLProvider = string | URL | (() => string | URL | Promise<string | URL>);

  interface Options {
    /** Lower bound of the backoff window, ms. Default 500. */
    minReconnectionDelay?: number;
    /** Upper bound of the backoff window, ms. Default 10000. */
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
  }

  /** The stable kinds of every error wsbeat throws or reports, as err.code. */
  type ErrorCode =
    | "ERR_INVALID_URL" | "ERR_INVALID_PROTOCOL" | "ERR_INVALID_OPTION" | "ERR_INVALID_ARGUMENT"
    | "ERR_INVALID_CLOSE_CODE" | "ERR_INVALID_CLOSE_REASON" | "ERR_CLOSED" | "ERR_QUEUE_FULL"
    | "ERR_CONNECTION_TIMEOUT" | "ERR_HEARTBEAT_TIMEOUT" | "ERR_URL_FUNCTION" | "ERR_WEBSOCKET"
    | "ERR_ENGINE" | "ERR_INTERNAL";
  /**
   * An error of wsbeat: an Error, TypeError, RangeError or DOMException
   * (a bad URL is a SyntaxError, a send after close() an InvalidStateError,
   * a full queue with overflow "throw" a QuotaExceededError), with a code.
   * On a DOMException the string code shadows the legacy numeric one.
   */
  type WSBeatError = (Error | DOMException) & { readonly code: ErrorCode };

  interface OpenEvent extends Event { readonly retryCount: number; }
  interface SocketCloseEvent extends CloseEvent { readonly willReconnect: boolean; }
  interface ErrorEvent extends Event { readonly error?: WSBeatError; }
  interface ReconnectingEvent extends Event { readonly attempt: number; readonly delay: number; }
  interface HeartbeatEvent extends Event { readonly rtt: number; }
  interface DropEvent extends Event { readonly messages: Data[]; readonly reason: "overflow" | "closed" | string; }
  interface StateChangeEvent extends Event { readonly state: State; readonly previous: State; }
  /** The open connection stayed up minUptime: retryCount was reset. */
  interface StableEvent extends Event { readonly retryCount: number; }

  interface SocketEventMap {
    open: OpenEvent;
    message: MessageEvent;
    close: SocketCloseEvent;
    error: ErrorEvent;
    reconnecting: ReconnectingEvent;
    heartbeat: HeartbeatEvent;
    drop: DropEvent;
    statechange: StateChangeEvent;
    stable: StableEvent;
  }

  class Socket extends EventTarget {
    constructor(url: URLProvider, protocols?: string | string[] | null, options?: Options);

    static readonly CONNECTING: 0;
    static readonly OPEN: 1;
    static readonly CLOSING: 2;
    static readonly CLOSED: 3;
    readonly CONNECTING: 0;
    readonly OPEN: 1;
    readonly CLOSING: 2;
    readonly CLOSED: 3;

    /** The URL of the current or last attempt. */
    readonly url: string;
    readonly protocol: string;
    readonly extensions: string;
    readonly readyState: 0 | 1 | 2 | 3;
    /** Bytes in the browser's buffer plus the queue. */
    readonly bufferedAmount: number;
    binaryType: BinaryType;

    /** Failed attempts since the last stable open. */
    readonly retryCount: number;
    /** Messages waiting in the queue. */
    readonly queuedMessages: number;
    /** Milliseconds of the last answered ping, or null. */
    readonly lastRTT: number | null;
    readonly state: State;

    onopen: ((this: Socket, ev: OpenEvent) => any) | null;
    onmessage: ((this: Socket, ev: MessageEvent) => any) | null;
    onclose: ((this: Socket, ev: SocketCloseEvent) => any) | null;
    onerror: ((this: Socket, ev: ErrorEvent) => any) | null;

    send(data: Data): SendResult;
    close(code?: number, reason?: string): void;
    reconnect(code?: number, reason?: string): void;

    addEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, ev: SocketEventMap[K]) => any, options?: boolean | AddEventListenerOptions): void;
    addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
    removeEventListener<K extends keyof SocketEventMap>(type: K, listener: (this: Socket, ev: SocketEventMap[K]) => any, options?: boolean | EventListenerOptions): void;
    removeEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | EventListenerOptions): void;
  }

  /** Resolves once the Go engine runs; rejects if it cannot load or exits. */
  const ready: Promise<void>;
  const version: string;
  /** Where to find the engine, if not next to wsbeat.js. Call before it starts loading. */
  function load(options?: { wasmURL?: string | URL; execURL?: string | URL }): Promise<void>;
  /** The option defaults. */
  const defaults: Readonly<Required<Omit<Options, "shouldReconnect">>>;
  /** The error codes, by name: errors.CLOSED is "ERR_CLOSED". */
  const errors: Readonly<{
    INVALID_URL: "ERR_INVALID_URL"; INVALID_PROTOCOL: "ERR_INVALID_PROTOCOL"; INVALID_OPTION: "ERR_INVALID_OPTION";
    INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT"; INVALID_CLOSE_CODE: "ERR_INVALID_CLOSE_CODE";
    INVALID_CLOSE_REASON: "ERR_INVALID_CLOSE_REASON"; CLOSED: "ERR_CLOSED"; QUEUE_FULL: "ERR_QUEUE_FULL";
    CONNECTION_TIMEOUT: "ERR_CONNECTION_TIMEOUT"; HEARTBEAT_TIMEOUT: "ERR_HEARTBEAT_TIMEOUT";
    URL_FUNCTION: "ERR_URL_FUNCTION"; WEBSOCKET: "ERR_WEBSOCKET"; ENGINE: "ERR_ENGINE"; INTERNAL: "ERR_INTERNAL";
  }>;
  /** Milliseconds from the start of loading to ready, once ready. */
  const startupMs: number | null;
  const engineVersion: string | null;
  /** Engine counters (live js.Funcs, goroutines, sockets, Go heap, calls JS→Go and Go→JS so far), or null before ready. */
  function stats(): { funcs: number; goroutines: number; sockets: number; heapAlloc: number; sys: number; jsToGo: number; goToJS: number } | null;
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
