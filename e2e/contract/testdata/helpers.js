// Test helpers for the contract pages. The Go harness evaluates this file in
// each page after it loads, so that the pages themselves load nothing but
// /dist/. Everything here is a global of the page.

var ECHO = location.origin.replace(/^http/, 'ws') + '/echo';
var EVENTS = ['open', 'message', 'close', 'error', 'reconnecting', 'heartbeat', 'drop', 'statechange'];

function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }

// next resolves with the next event of type on target that satisfies pred
// (any, without pred), or rejects naming the event after ms.
function next(target, type, ms, pred) {
  ms = ms || 5000;
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () {
      target.removeEventListener(type, on);
      reject(new Error('no ' + type + ' event within ' + ms + 'ms'));
    }, ms);
    function on(e) {
      if (pred && !pred(e)) return;
      clearTimeout(timer);
      target.removeEventListener(type, on);
      resolve(e);
    }
    target.addEventListener(type, on);
  });
}

// until polls cond every 10ms and rejects naming what after ms.
async function until(cond, ms, what) {
  var end = performance.now() + (ms || 5000);
  while (!cond()) {
    if (performance.now() > end) throw new Error('not true within ' + (ms || 5000) + 'ms: ' + (what || cond));
    await sleep(10);
  }
}

function kind(v) {
  if (typeof v === 'string') return v;
  return Object.prototype.toString.call(v).slice(8, -1);
}

// summary turns an event of the contract into a plain object with its
// fields, so that a test can return and compare it.
function summary(e) {
  var s = { type: e.type, t: Math.round(performance.now()) };
  switch (e.type) {
    case 'open': s.retryCount = e.retryCount; break;
    case 'message': s.data = kind(e.data); break;
    case 'close':
      s.code = e.code; s.reason = e.reason; s.wasClean = e.wasClean; s.willReconnect = e.willReconnect;
      s.isCloseEvent = e instanceof CloseEvent;
      break;
    case 'error':
      s.isError = e.error instanceof Error;
      s.error = e.error ? String(e.error.message) : null;
      break;
    case 'reconnecting': s.attempt = e.attempt; s.delay = e.delay; break;
    case 'heartbeat': s.rtt = e.rtt; break;
    case 'drop': s.messages = e.messages.map(kind); s.reason = e.reason; break;
    case 'statechange': s.state = e.state; s.previous = e.previous; break;
  }
  return s;
}

// track records every event of ws, in order, in ws.log.
function track(ws) {
  ws.log = [];
  EVENTS.forEach(function (t) { ws.addEventListener(t, function (e) { ws.log.push(summary(e)); }); });
  return ws;
}

function types(log) { return log.map(function (e) { return e.type; }); }

// snap returns every property of the contract.
function snap(ws) {
  return {
    url: ws.url, protocol: ws.protocol, extensions: ws.extensions, readyState: ws.readyState,
    bufferedAmount: ws.bufferedAmount, binaryType: ws.binaryType, retryCount: ws.retryCount,
    queuedMessages: ws.queuedMessages, lastRTT: ws.lastRTT, state: ws.state
  };
}

// caught runs fn and describes what it threw, or returns null.
function caught(fn) {
  try {
    fn();
    return null;
  } catch (e) {
    return {
      name: e && e.name, message: String(e && e.message), code: e && e.code,
      isError: e instanceof Error, isDOMException: e instanceof DOMException
    };
  }
}

async function control(path) {
  var r = await fetch('/control/' + path, { method: 'POST' });
  var body = await r.json();
  if (!r.ok) throw new Error('POST /control/' + path + ': ' + JSON.stringify(body));
  return body;
}

async function serverMessages() {
  return (await fetch('/control/messages', { cache: 'no-store' })).json();
}

// Checker collects failed expectations with their names, so that a test
// can check a whole contract row in the page and report every difference.
function Checker() {
  this.fails = [];
  this.info = {};
}
Checker.prototype.eq = function (name, got, want) {
  var g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) this.fails.push(name + ': got ' + g + ', want ' + w);
};
Checker.prototype.ok = function (name, cond, detail) {
  if (!cond) this.fails.push(name + (detail === undefined ? '' : ': ' + JSON.stringify(detail)));
};
// throws checks that fn throws an error with the given name (and, when
// given, a message containing each of parts).
Checker.prototype.throws = function (name, fn, errName, parts) {
  var e = caught(fn);
  if (!e) { this.fails.push(name + ': did not throw, want ' + errName); return; }
  if (e.name !== errName || !e.isError) this.fails.push(name + ': threw ' + JSON.stringify(e) + ', want ' + errName);
  (parts || []).forEach(function (p) {
    if (e.message.indexOf(p) < 0) this.fails.push(name + ': message ' + JSON.stringify(e.message) + ' does not contain ' + JSON.stringify(p));
  }, this);
  return e;
};
// bytes returns the bytes of an ArrayBuffer or view as an array.
function bytes(v) {
  if (v instanceof ArrayBuffer) return Array.from(new Uint8Array(v));
  return Array.from(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
}
