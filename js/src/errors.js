// Errors with stable kinds. Every error wsbeat throws or reports carries a
// string `code` from ErrorCode; its constructor and name stay what the
// WebSocket contract promises (a bad URL is a DOMException SyntaxError, a
// send after close() an InvalidStateError, a full queue with overflow
// "throw" a QuotaExceededError). jsbridge/errors.go maps the engine's
// errors to the same codes.
export const ErrorCode = Object.freeze({
  INVALID_URL: 'ERR_INVALID_URL',
  INVALID_PROTOCOL: 'ERR_INVALID_PROTOCOL',
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  INVALID_ARGUMENT: 'ERR_INVALID_ARGUMENT',
  INVALID_CLOSE_CODE: 'ERR_INVALID_CLOSE_CODE',
  INVALID_CLOSE_REASON: 'ERR_INVALID_CLOSE_REASON',
  CLOSED: 'ERR_CLOSED',
  QUEUE_FULL: 'ERR_QUEUE_FULL',
  CONNECTION_TIMEOUT: 'ERR_CONNECTION_TIMEOUT',
  HEARTBEAT_TIMEOUT: 'ERR_HEARTBEAT_TIMEOUT',
  URL_FUNCTION: 'ERR_URL_FUNCTION',
  WEBSOCKET: 'ERR_WEBSOCKET',
  INVALID_MESSAGE: 'ERR_INVALID_MESSAGE',
  BUFFER_FULL: 'ERR_BUFFER_FULL',
  REFUSED: 'ERR_REFUSED',
  CONNECTION_LOST: 'ERR_CONNECTION_LOST',
  MESSAGE_TOO_BIG: 'ERR_MESSAGE_TOO_BIG',
  RELIABLE_REFUSED: 'ERR_RELIABLE_REFUSED',
  PROTOCOL: 'ERR_PROTOCOL',
  ENGINE: 'ERR_ENGINE',
  INTERNAL: 'ERR_INTERNAL'
});

// withCode gives err its code. DOMException has a numeric legacy `code`
// getter on its prototype; an own property shadows it.
export function withCode(err, code) {
  Object.defineProperty(err, 'code', { value: code, enumerable: true, configurable: true });
  return err;
}

export function domError(name, code, msg) {
  return withCode(new DOMException('wsbeat: ' + msg, name), code);
}

export function typeError(code, msg) {
  return withCode(new TypeError('wsbeat: ' + msg), code);
}

export function rangeError(code, msg) {
  return withCode(new RangeError('wsbeat: ' + msg), code);
}

export function engineError(msg) {
  return withCode(new Error('wsbeat: ' + msg), ErrorCode.ENGINE);
}

export function asError(e) {
  return e instanceof Error ? e : withCode(new Error(String(e)), ErrorCode.INTERNAL);
}

// report hands an exception from page code (a listener, a callback) to the
// page's error handling without stopping wsbeat.
export function report(e) {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(e);
  else setTimeout(function () { throw e; });
}

export function describe(v) {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'function') return 'a function';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
