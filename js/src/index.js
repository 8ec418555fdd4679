// wsbeat: a WebSocket that stays up. The state machine is Go (wsbeat.wasm);
// these modules are the page's side: the WebSocket-shaped class, the
// loader, and the per-message path, which never calls into Go.
import { run, ready, load } from './engine.js';
import { DEFAULTS } from './defaults.js';
import { ErrorCode } from './errors.js';
import { Socket } from './socket.js';

export var version = '0.1.0';
export { Socket, ready, load, ErrorCode };
export var defaults = DEFAULTS;

// stats reports the engine's live js.Funcs, goroutines, sockets, Go heap
// and JS⇄Go calls, or null before it runs; tests use it to find leaks.
export function stats() { return run.engine ? run.engine.stats() : null; }
