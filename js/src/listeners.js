// Event dispatch of message events, the per-message path: the socket keeps
// its message listeners in an array of its own and calls them with the
// browser's MessageEvent as it is, no copy and no dispatchEvent, as
// reconnecting-websocket does. Other events go through EventTarget.
import { report } from './errors.js';

// retarget makes the socket ev's target and currentTarget, as on any
// EventTarget: two own properties that shadow Event's accessors, from a
// descriptor object made once per socket. Only for events the page
// dispatches: on the browser's own message events it cost about 440 ns per
// message (deliveryCost 483 ns against 42 raw, throughput 0.93× raw for 64
// bytes, below the 0.95× budget), so those keep the inner WebSocket.
export function retarget(socket, ev) {
  Object.defineProperties(ev, socket._targets);
}

// deliver calls the message listeners of socket with ev.
export function deliver(socket, ev) {
  var ls = socket._msgListeners;
  if (ls.length === 1) {
    invoke(socket, ls[0], ev);
    return;
  }
  ls = ls.slice();
  for (var i = 0; i < ls.length; i++) invoke(socket, ls[i], ev);
}

function invoke(socket, l, ev) {
  if (l.removed) return; // removed by an earlier listener of this dispatch
  if (l.once) removeMessageListener(socket, l.fn);
  try {
    if (typeof l.fn === 'function') l.fn.call(socket, ev);
    else l.fn.handleEvent(ev);
  } catch (e) {
    report(e);
  }
}

export function addMessageListener(socket, fn, opts) {
  if (!fn || (typeof fn !== 'function' && typeof fn.handleEvent !== 'function')) return;
  var ls = socket._msgListeners;
  for (var i = 0; i < ls.length; i++) {
    if (ls[i].fn === fn && !ls[i].handler) return;
  }
  var once = !!(opts && typeof opts === 'object' && opts.once);
  if (opts && typeof opts === 'object' && opts.signal) {
    if (opts.signal.aborted) return;
    opts.signal.addEventListener('abort', function () { removeMessageListener(socket, fn); }, { once: true });
  }
  socket._msgListeners = ls.concat([{ fn: fn, once: once }]);
}

// removeMessageListener removes the listener fn, or the onmessage handler
// when handler is true; the two are separate, as on any EventTarget.
export function removeMessageListener(socket, fn, handler) {
  var ls = socket._msgListeners;
  for (var i = 0; i < ls.length; i++) {
    if (ls[i].fn === fn && !ls[i].handler === !handler) {
      ls[i].removed = true;
      socket._msgListeners = ls.slice(0, i).concat(ls.slice(i + 1));
      return;
    }
  }
}

// setHandler follows WebSocket's on* attributes: the handler is a listener
// of its own, apart from any addEventListener of the same function;
// replacing it keeps its place among the listeners; null (or anything not
// a function) removes it. For message it is an entry of the per-message
// list, so onmessage costs no extra call per message. add and remove are
// EventTarget's own methods, for the other types.
export function setHandler(socket, type, f, add, remove) {
  if (typeof f !== 'function') f = null;
  var h = socket._handlers[type];
  if (h && f) {
    h.fn = f;
    return;
  }
  if (h) {
    socket._handlers[type] = null;
    if (type === 'message') removeMessageListener(socket, h.fn, true);
    else remove(type, h.listener);
    return;
  }
  if (!f) return;
  if (type === 'message') {
    h = { fn: f, once: false, handler: true };
    socket._msgListeners = socket._msgListeners.concat([h]);
  } else {
    h = { fn: f, listener: function (ev) { return h.fn.call(socket, ev); } };
    add(type, h.listener);
  }
  socket._handlers[type] = h;
}

export function getHandler(socket, type) {
  var h = socket._handlers[type];
  return h ? h.fn : null;
}
