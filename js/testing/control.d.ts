// Types of wsbeat/testing, the client of wsbeat-server's control API.

/** The counters of the server or of one tag. */
export interface Stats {
  /** WebSocket connections open now. */
  open: number;
  /** Upgrades accepted since start or reset. */
  accepted: number;
  /** Upgrades refused (reject window, connection limit). */
  rejected: number;
  /** Messages received, pings included. */
  received: number;
  /** Messages sent: echoes, pongs, keepalives, sends. */
  sent: number;
}

export interface ControlOptions {
  /** Act on and report only connections opened with `?tag=<tag>`. */
  tag?: string;
  /** Sent as `Authorization: Bearer <token>` (wsbeat-server -token). */
  token?: string;
  /** The fetch to use. Defaults to the global fetch. */
  fetch?: typeof fetch;
}

export interface WaitOptions {
  /** How many connections must be open, exactly. Defaults to 1. */
  open?: number;
  /** Milliseconds before the wait fails with status 408. Defaults to 5000; at most 60000. */
  timeout?: number;
}

export interface Control {
  /** The tag of every call, if any. */
  readonly tag: string | undefined;
  /** Ends the TCP connections without a close frame (1006 in browsers). Resolves to how many. */
  drop(): Promise<number>;
  /** Makes the connections half-open: nothing in, nothing out. Resolves to how many. */
  silence(): Promise<number>;
  /** Sends a close frame (code 1000-1003, 1007-1014, 3000-4999). Resolves to how many. */
  close(code?: number, reason?: string): Promise<number>;
  /** Refuses later upgrades with `status` (400-599, default 503) for `ms` (0-600000). */
  reject(ms: number, status?: number): Promise<void>;
  /** Sends one message: a string as text, bytes as binary. Resolves to how many connections took it. */
  send(data: string | ArrayBuffer | ArrayBufferView | Blob): Promise<number>;
  /** The messages received, oldest first; binary ones as "<binary N bytes>". */
  messages(): Promise<string[]>;
  /** The counters. */
  stats(): Promise<Stats>;
  /** Resolves to the open count once exactly `open` connections are open. */
  waitFor(options?: WaitOptions): Promise<number>;
  /** Ends reject windows, clears the message log and the counters. */
  reset(): Promise<void>;
}

/** Thrown when the server refuses a request or cannot be reached. */
export class ControlError extends Error {
  readonly name: 'ControlError';
  /** The HTTP status, or 0 when there was no answer. */
  readonly status: number;
  /** The server's answer, parsed when it was JSON. */
  readonly body: unknown;
}

/** Returns a client for the control API of the wsbeat-server at baseURL. */
export function control(baseURL: string | URL, options?: ControlOptions): Control;
