// Types of the ES module `wsbeat` (dist/wsbeat.mjs). The script-tag
// globals are declared in wsbeat.d.ts; types-test/agree.ts fails when the
// two drift apart. The reference is docs/api.md.

export type State = "connecting" | "open" | "reconnecting" | "closing" | "closed";
export type SendResult = "sent" | "queued" | "dropped";
export type Data = string | ArrayBufferLike | ArrayBufferView | Blob;
export type URLProvider = string | URL | (() => string | URL | Promise<string | URL>);

/** What the WebSocket option takes: a class called as new WebSocket(url, protocols). */
export interface WebSocketClass { new (url: string, protocols?: string | string[]): any; }

export interface Options {
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

/** The stable kinds of every error wsbeat throws or reports, as err.code. */
export type ErrorCode =
  | "ERR_INVALID_URL" | "ERR_INVALID_PROTOCOL" | "ERR_INVALID_OPTION" | "ERR_INVALID_ARGUMENT"
  | "ERR_INVALID_CLOSE_CODE" | "ERR_INVALID_CLOSE_REASON" | "ERR_CLOSED" | "ERR_QUEUE_FULL"
  | "ERR_CONNECTION_TIMEOUT" | "ERR_HEARTBEAT_TIMEOUT" | "ERR_URL_FUNCTION" | "ERR_WEBSOCKET"
  | "ERR_INVALID_MESSAGE" | "ERR_BUFFER_FULL" | "ERR_REFUSED" | "ERR_CONNECTION_LOST" | "ERR_MESSAGE_TOO_BIG"
  | "ERR_RELIABLE_REFUSED" | "ERR_PROTOCOL"
  | "ERR_ENGINE" | "ERR_INTERNAL";

/** The error codes by name: ErrorCode.CLOSED is "ERR_CLOSED". */
export declare const ErrorCode: Readonly<{
  INVALID_URL: "ERR_INVALID_URL"; INVALID_PROTOCOL: "ERR_INVALID_PROTOCOL"; INVALID_OPTION: "ERR_INVALID_OPTION";
  INVALID_ARGUMENT: "ERR_INVALID_ARGUMENT"; INVALID_CLOSE_CODE: "ERR_INVALID_CLOSE_CODE";
  INVALID_CLOSE_REASON: "ERR_INVALID_CLOSE_REASON"; CLOSED: "ERR_CLOSED"; QUEUE_FULL: "ERR_QUEUE_FULL";
  CONNECTION_TIMEOUT: "ERR_CONNECTION_TIMEOUT"; HEARTBEAT_TIMEOUT: "ERR_HEARTBEAT_TIMEOUT";
  URL_FUNCTION: "ERR_URL_FUNCTION"; WEBSOCKET: "ERR_WEBSOCKET"; ENGINE: "ERR_ENGINE"; INTERNAL: "ERR_INTERNAL";
  INVALID_MESSAGE: "ERR_INVALID_MESSAGE"; BUFFER_FULL: "ERR_BUFFER_FULL"; REFUSED: "ERR_REFUSED";
  CONNECTION_LOST: "ERR_CONNECTION_LOST"; MESSAGE_TOO_BIG: "ERR_MESSAGE_TOO_BIG"; RELIABLE_REFUSED: "ERR_RELIABLE_REFUSED";
  PROTOCOL: "ERR_PROTOCOL";
}>;

/**
 * An error of wsbeat: an Error, TypeError, RangeError or DOMException
 * (a bad URL is a SyntaxError, a send after close() an InvalidStateError,
 * a full queue with overflow "throw" a QuotaExceededError), with a code.
 */
export type WSBeatError = (Error | DOMException) & { readonly code: ErrorCode };

export interface OpenEvent extends Event { readonly retryCount: number; }
export interface SocketCloseEvent extends CloseEvent { readonly willReconnect: boolean; }
export interface ErrorEvent extends Event {
  readonly error?: WSBeatError;
  /** "TIMEOUT" when a connection attempt timed out, as reconnecting-websocket reports it. */
  readonly message?: string;
}
export interface ReconnectingEvent extends Event { readonly attempt: number; readonly delay: number; }
export interface HeartbeatEvent extends Event { readonly rtt: number; }
export interface DropEvent extends Event { readonly messages: Data[]; readonly reason: "overflow" | "closed" | string; }
export interface StateChangeEvent extends Event { readonly state: State; readonly previous: State; }
/** The open connection stayed up minUptime: retryCount was reset. */
export interface StableEvent extends Event { readonly retryCount: number; }

export interface SocketEventMap {
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

/** A WebSocket that stays up. Same call shape as new WebSocket(url, protocols). */
export declare class Socket extends EventTarget {
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
  /** Bytes in the WebSocket's buffer plus the queue. */
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

/** Where the engine is loaded from. */
export interface Locations {
  /** The URL of wsbeat.wasm. Default: next to the module, new URL('./wsbeat.wasm', import.meta.url). */
  wasmURL?: string | URL;
  /** The URL of wasm_exec.js, for the script-tag build only. */
  execURL?: string | URL;
}

/** Resolves once the Go engine runs, rejects if it cannot load or exits; awaiting it starts loading. */
export declare const ready: Promise<void>;
export declare const version: string;
/** Sets where the engine is loaded from; call before the first Socket. Starts nothing. */
export declare function configure(locations: Locations): void;
/** configure(locations), then starts loading the engine; returns ready. */
export declare function load(locations?: Locations): Promise<void>;
/** The option defaults. */
export declare const defaults: Readonly<Required<Omit<Options, "shouldReconnect" | "WebSocket">>>;
/** Milliseconds from the start of loading to ready, or null before it ran. */
export declare function startupMs(): number | null;
/** Engine counters (live js.Funcs, goroutines, sockets, Go heap, calls JS→Go and Go→JS so far), or null before ready. */
export declare function stats(): { funcs: number; goroutines: number; sockets: number; heapAlloc: number; sys: number; jsToGo: number; goToJS: number } | null;
