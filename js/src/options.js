// Checking what the page passes in: the URL, the subprotocols, the options
// (with defaults filled in), close() arguments, and the data of a send.
// Checks only: what the values then mean is decided by the Go engine.
import { DEFAULTS } from './defaults.js';
import { ErrorCode, domError, typeError, rangeError, describe } from './errors.js';
import { baseURL } from './env.js';

// checkURL resolves url against the page and maps http(s) to ws(s), or
// throws a SyntaxError as WebSocket does.
export function checkURL(url) {
  var u;
  try {
    u = new URL(String(url), baseURL());
  } catch (e) {
    throw domError('SyntaxError', ErrorCode.INVALID_URL, "the URL '" + url + "' is invalid");
  }
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw domError('SyntaxError', ErrorCode.INVALID_URL, "the URL's scheme must be ws:, wss:, http: or https:; '" + u.protocol + "' is not allowed (URL '" + url + "')");
  }
  if (u.hash || String(url).indexOf('#') >= 0) {
    throw domError('SyntaxError', ErrorCode.INVALID_URL, "the URL '" + url + "' contains a fragment identifier, which WebSocket URLs must not have");
  }
  return u.href;
}

var TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// checkProtocols returns the subprotocols as an array, or throws a
// SyntaxError as WebSocket does.
export function checkProtocols(p) {
  if (p === undefined || p === null) return [];
  var list = typeof p === 'string' ? [p] : p;
  if (!Array.isArray(list)) {
    throw domError('SyntaxError', ErrorCode.INVALID_PROTOCOL, 'protocols must be a string or an array of strings, got ' + describe(p));
  }
  var seen = {};
  return list.map(function (x) {
    if (typeof x !== 'string' || !TOKEN.test(x)) {
      throw domError('SyntaxError', ErrorCode.INVALID_PROTOCOL, 'the subprotocol ' + describe(x) + ' is invalid');
    }
    if (seen[x]) throw domError('SyntaxError', ErrorCode.INVALID_PROTOCOL, "the subprotocol '" + x + "' is duplicated");
    seen[x] = true;
    return x;
  });
}

// bad is a TypeError for a value of the wrong type; outOfRange a
// RangeError for a number out of range. Both name the option, the value
// and what is allowed.
function bad(name, value, allowed) {
  return typeError(ErrorCode.INVALID_OPTION, 'option ' + name + ' is ' + describe(value) + '; ' + allowed);
}

function outOfRange(name, value, allowed) {
  return rangeError(ErrorCode.INVALID_OPTION, 'option ' + name + ' is ' + describe(value) + '; ' + allowed);
}

function num(o, name, min, allowInfinity, positive) {
  var v = o[name];
  var ok = typeof v === 'number' && !isNaN(v) && v >= min && (allowInfinity || isFinite(v)) && (!positive || v > 0);
  if (!ok) {
    throw (typeof v === 'number' ? outOfRange : bad)(name, v, 'it must be a ' + (positive ? 'positive ' : 'non-negative ') + 'number' +
      (min > 0 ? ' of at least ' + min : '') + (allowInfinity ? ' or Infinity' : '') + ' (milliseconds for durations)');
  }
  if (v > 2147483647 && !(allowInfinity && v === Infinity)) {
    throw outOfRange(name, v, 'it must be at most 2147483647');
  }
}

// checkOptions returns the options with defaults filled in, or throws a
// TypeError or RangeError naming the option, the value and what is allowed.
export function checkOptions(options) {
  if (options === undefined || options === null) options = {};
  if (typeof options !== 'object') throw typeError(ErrorCode.INVALID_OPTION, 'options must be an object, got ' + describe(options));
  var o = {};
  Object.keys(options).forEach(function (k) {
    if (!(k in DEFAULTS) && k !== 'WebSocket') {
      throw typeError(ErrorCode.INVALID_OPTION, 'unknown option ' + JSON.stringify(k) + '; known options are ' + Object.keys(DEFAULTS).join(', '));
    }
  });
  Object.keys(DEFAULTS).forEach(function (k) { o[k] = options[k] === undefined ? DEFAULTS[k] : options[k]; });
  ['minReconnectionDelay', 'maxReconnectionDelay', 'minUptime', 'heartbeatInterval'].forEach(function (k) { num(o, k, 0, false, false); });
  ['connectionTimeout', 'heartbeatTimeout'].forEach(function (k) { num(o, k, 0, false, true); });
  num(o, 'reconnectionDelayGrowFactor', 1, false, false);
  ['maxRetries', 'maxEnqueuedMessages', 'maxEnqueuedBytes'].forEach(function (k) {
    num(o, k, 0, true, false);
    if (o[k] !== Infinity && Math.floor(o[k]) !== o[k]) throw outOfRange(k, o[k], 'it must be a whole number or Infinity');
  });
  if (['drop-oldest', 'drop-newest', 'throw'].indexOf(o.overflow) < 0) {
    throw bad('overflow', o.overflow, 'allowed: "drop-oldest", "drop-newest" or "throw"');
  }
  if (!((typeof o.heartbeatMessage === 'string' && o.heartbeatMessage !== '') || typeof o.heartbeatMessage === 'function')) {
    throw bad('heartbeatMessage', o.heartbeatMessage, 'it must be a non-empty string or a function returning one');
  }
  if (!((typeof o.heartbeatResponse === 'string' && o.heartbeatResponse !== '') || o.heartbeatResponse === null)) {
    throw bad('heartbeatResponse', o.heartbeatResponse, 'it must be a non-empty string or null');
  }
  if (o.shouldReconnect !== undefined && typeof o.shouldReconnect !== 'function') {
    throw bad('shouldReconnect', o.shouldReconnect, 'it must be a function (closeEvent) => boolean');
  }
  if (typeof o.startClosed !== 'boolean') throw bad('startClosed', o.startClosed, 'it must be true or false');
  if (o.binaryType !== 'blob' && o.binaryType !== 'arraybuffer') {
    throw bad('binaryType', o.binaryType, 'allowed: "blob" or "arraybuffer"');
  }
  if (typeof o.debug !== 'boolean' && typeof o.debug !== 'function') {
    throw bad('debug', o.debug, 'it must be true, false or a function receiving each log line');
  }
  return o;
}

// checkWebSocketClass returns the WebSocket class a socket dials with:
// the WebSocket option, else the host's global one. It is a TypeError to
// pass something that cannot be called with new, or to pass nothing where
// there is no global WebSocket (Node 20), and the message says what to
// pass.
export function checkWebSocketClass(options) {
  var C = options && typeof options === 'object' ? options.WebSocket : undefined;
  if (C === undefined) {
    if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
    throw typeError(ErrorCode.INVALID_OPTION, 'there is no global WebSocket here; pass a WebSocket class as the WebSocket option, ' +
      "e.g. import { WebSocket } from 'ws' and new Socket(url, [], { WebSocket })");
  }
  if (typeof C !== 'function' || !C.prototype) {
    throw typeError(ErrorCode.INVALID_OPTION, 'option WebSocket is ' + describe(C) + '; it must be a WebSocket class (a constructor such as ' +
      "globalThis.WebSocket or the ws package's WebSocket), not an instance or an arrow function");
  }
  return C;
}

// NO_CLOSE_ARGS is close()'s arguments when there are none.
export var NO_CLOSE_ARGS = [0, undefined];

// closeArgs checks close()'s arguments as WebSocket.close does: the code
// is converted to an integer as Chromium converts its [Clamp] unsigned
// short (so "4000" and 4000.5 mean 4000), then must be 1000 or
// 3000-4999; the reason is converted to a string of at most 123 UTF-8
// bytes. It returns [code, reason], 0 for no code and undefined for no
// or an empty reason (Go reads undefined as "", and a reconnect then
// reads no string out of JS).
export function closeArgs(code, reason) {
  if (code === undefined && reason === undefined) return NO_CLOSE_ARGS;
  if (code !== undefined) {
    var n = Number(code);
    n = n !== n ? 0 : Math.min(Math.max(Math.trunc(n), 0), 65535);
    if (!(n === 1000 || (n >= 3000 && n <= 4999))) {
      throw domError('InvalidAccessError', ErrorCode.INVALID_CLOSE_CODE, 'the close code must be either 1000, or between 3000 and 4999; ' + describe(code) + ' is neither');
    }
    code = n;
  }
  if (reason !== undefined) {
    reason = String(reason);
    if (utf8Length(reason) > 123) {
      throw domError('SyntaxError', ErrorCode.INVALID_CLOSE_REASON, 'the close reason must not be longer than 123 UTF-8 bytes');
    }
  }
  return [code === undefined ? 0 : code, reason || undefined];
}

// utf8Length counts the UTF-8 bytes of s; a lone surrogate counts as the
// 3 bytes of U+FFFD that it is sent as.
export function utf8Length(s) {
  var n = 0;
  for (var i = 0; i < s.length; i++) {
    var c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else n += 3;
  }
  return n;
}

// sizeOf returns [data, byte size, binary] as WebSocket.send sees them,
// for a send that may be held. A buffer is copied, as WebSocket.send
// copies it when called: the page may reuse it as soon as send returns,
// and a held message must not change with it. Typed arrays and DataViews
// keep their type, so a drop event reports the kind of data sent.
export function sizeOf(data) {
  if (typeof data === 'string') return [data, utf8Length(data), false];
  if (data instanceof ArrayBuffer) return [data.slice(0), data.byteLength, true];
  if (ArrayBuffer.isView(data)) {
    var copy = new data.constructor(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
    return [copy, data.byteLength, true];
  }
  if (typeof Blob !== 'undefined' && data instanceof Blob) return [data, data.size, true];
  var s = String(data);
  return [s, utf8Length(s), false];
}
