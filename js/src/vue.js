// wsbeat-vue: Vue 3 bindings for wsbeat. It keeps no state machine of its
// own: every ref mirrors the WSBeat.Socket's own properties, refreshed by
// the socket's events, so what a template shows is what the socket
// reports. Vue and WSBeat come from deps, the one place that says where
// they are found (vue-global.js: the page's globals).

// deps.vue() and deps.wsbeat() return Vue and WSBeat when first used.
var deps = null;

// withDeps sets where Vue and WSBeat come from.
export function withDeps(d) {
  deps = d;
}

// STATUS maps readyState to the names VueUse's useWebSocket uses.
var STATUS = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
// MIRRORED are the events after which the refs read the socket again;
// "stable" says that the connection stayed up minUptime and retryCount
// was reset.
var MIRRORED = ['statechange', 'open', 'close', 'reconnecting', 'stable'];
// SHARED is the inject key of the plugin's shared socket.
var SHARED = typeof Symbol === 'function' ? Symbol('wsbeat-vue shared socket') : '__wsbeatVueShared';


// read is Vue's toValue (3.3+), which older Vue 3 lacks.
function read(Vue, source) {
  return typeof source === 'function' ? source() : Vue.unref(source);
}

function invalidState(msg) {
  return new DOMException('wsbeat-vue: ' + msg, 'InvalidStateError');
}

/**
 * useSocket opens a WSBeat.Socket to url and returns refs that follow it.
 * url may be a string, a ref or a getter: when it changes, the socket is
 * closed (1000) and a new one opens to the new URL, in that order and in
 * the same tick, so there is never a second socket left open. A falsy URL
 * means no socket. Called inside a component's setup() or any effect
 * scope, the socket closes when the scope is disposed; called outside
 * one, the caller closes it. options are WSBeat.Socket's options; an
 * invalid URL or option throws as new WSBeat.Socket does.
 */
export function useSocket(url, options) {
  var Vue = deps.vue();
  var WSBeat = deps.wsbeat();

  var socket = Vue.shallowRef(null);
  var state = Vue.ref('closed');
  var status = Vue.ref('CLOSED');
  var data = Vue.shallowRef(null);
  var lastRTT = Vue.ref(null);
  var retryCount = Vue.ref(0);

  // stopped is true after close() (or with startClosed) until reconnect():
  // a URL change then prepares a socket to the new URL without opening it.
  var stopped = !!(options && options.startClosed);
  var disposed = false;
  var detach = null;

  function mirror() {
    var s = socket.value;
    state.value = s ? s.state : 'closed';
    status.value = s ? STATUS[s.readyState] : 'CLOSED';
    retryCount.value = s ? s.retryCount : 0;
    lastRTT.value = s ? s.lastRTT : null;
  }

  function attach(s) {
    function onEvent(ev) {
      if (socket.value !== s) return; // a replaced socket's late event
      switch (ev.type) {
        case 'message':
          data.value = ev.data;
          return;
        case 'heartbeat':
          lastRTT.value = ev.rtt;
          return;
      }
      mirror();
    }
    s.addEventListener('message', onEvent);
    s.addEventListener('heartbeat', onEvent);
    MIRRORED.forEach(function (t) { s.addEventListener(t, onEvent); });
    return function () {
      s.removeEventListener('message', onEvent);
      s.removeEventListener('heartbeat', onEvent);
      MIRRORED.forEach(function (t) { s.removeEventListener(t, onEvent); });
    };
  }

  // replace closes the current socket, if any, and opens one to u. It is
  // synchronous, so the old socket is closing before the new one exists.
  // The old socket's listeners go first: its closing is not the state of
  // the connection the refs now follow.
  function replace(u) {
    var old = socket.value;
    if (detach) detach();
    detach = null;
    if (old) {
      try {
        old.close(1000);
      } catch (e) {
        // Only inside the socket's own callbacks (heartbeatMessage,
        // shouldReconnect, debug): nothing changed, so keep following it.
        detach = attach(old);
        throw e;
      }
    }
    var next = null;
    try {
      if (u) {
        var opts = stopped ? Object.assign({}, options, { startClosed: true }) : options;
        next = new WSBeat.Socket(u, null, opts);
        detach = attach(next);
      }
    } finally {
      socket.value = next;
      mirror();
    }
  }

  function dispose() {
    if (disposed) return;
    disposed = true;
    if (stopWatch) stopWatch();
    // The listeners stay until the final close, so the refs end at
    // "CLOSED" like the socket; a closed socket sends no more events.
    if (socket.value) socket.value.close(1000);
  }

  var stopWatch = null;
  function begin() {
    if (disposed) return;
    replace(read(Vue, url));
    if (Vue.isRef(url) || typeof url === 'function') {
      // flush 'sync': the switch happens inside the assignment to the URL,
      // never later, so two changes in one tick cannot overlap.
      stopWatch = Vue.watch(function () { return read(Vue, url); }, function (u) {
        if (!disposed) replace(u);
      }, { flush: 'sync' });
    }
  }
  // During server-side rendering (a component, no window) nothing may
  // connect: the refs stay inert ("CLOSED", no socket) and the socket
  // opens once the component is mounted in the client; onMounted never
  // runs on the server.
  if (typeof window === 'undefined' && Vue.getCurrentInstance()) Vue.onMounted(begin);
  else begin();
  if (Vue.getCurrentScope()) Vue.onScopeDispose(dispose);

  return {
    socket: socket,
    state: state,
    status: status,
    data: data,
    lastRTT: lastRTT,
    retryCount: retryCount,
    // send returns what WSBeat.Socket.send returns: "sent", "queued" or
    // "dropped"; it throws after close() as a WebSocket does.
    send: function (d) {
      if (!socket.value) throw invalidState('send() without a socket: the URL is empty');
      return socket.value.send(d);
    },
    // close closes the socket and stops reconnecting, also across URL
    // changes, until reconnect().
    close: function (code, reason) {
      stopped = true;
      if (socket.value) socket.value.close(code, reason);
    },
    // reconnect connects again now, to the current URL.
    reconnect: function (code, reason) {
      if (disposed) throw invalidState('reconnect() after the scope that owned the socket was disposed');
      stopped = false;
      if (socket.value) socket.value.reconnect(code, reason);
      else replace(read(Vue, url));
    }
  };
}

/**
 * plugin provides one socket to every component of an app:
 * app.use(WSBeatVue.plugin, { url, options }), then useSharedSocket() in
 * setup(). The socket opens with the first component that asks for it and
 * closes when the last such component unmounts, or when the app does.
 */
export var plugin = {
  install: function (app, pluginOptions) {
    if (!pluginOptions || !pluginOptions.url) {
      throw new TypeError('wsbeat-vue: app.use(WSBeatVue.plugin, { url, options }) needs a url');
    }
    var shared = { url: pluginOptions.url, options: pluginOptions.options, scope: null, api: null, users: 0 };
    app.provide(SHARED, shared);
    var end = function () { release(shared); };
    if (typeof app.onUnmount === 'function') {
      app.onUnmount(end);
    } else {
      var unmount = app.unmount;
      app.unmount = function () {
        try { return unmount.apply(this, arguments); } finally { end(); }
      };
    }
  }
};

function release(shared) {
  if (shared.scope) shared.scope.stop();
  shared.scope = null;
  shared.api = null;
}

/**
 * useSharedSocket returns the plugin's socket (the same object for every
 * caller) and counts the calling component as a user until it unmounts.
 * It throws when the app has no plugin or when called outside setup().
 */
export function useSharedSocket() {
  var Vue = deps.vue();
  var inContext = Vue.hasInjectionContext ? Vue.hasInjectionContext() : !!Vue.getCurrentInstance();
  var shared = inContext ? Vue.inject(SHARED, null) : null;
  if (!shared) {
    throw new Error('wsbeat-vue: useSharedSocket() found no shared socket; install one with ' +
      'app.use(WSBeatVue.plugin, { url }) and call useSharedSocket() inside setup()');
  }
  if (!shared.api) {
    // A detached scope: the socket belongs to the app, not to the first
    // component that happened to ask for it.
    var scope = Vue.effectScope(true);
    try {
      shared.api = scope.run(function () { return useSocket(shared.url, shared.options); });
    } catch (e) {
      scope.stop();
      throw e;
    }
    shared.scope = scope;
  }
  var api = shared.api;
  if (Vue.getCurrentScope()) {
    shared.users++;
    Vue.onScopeDispose(function () {
      shared.users--;
      if (shared.users > 0) return;
      // Wait for the rest of this render: a component that replaces the
      // last one (v-if/v-else, a changed key) keeps the connection.
      Promise.resolve().then(function () {
        if (shared.users === 0 && shared.api === api) release(shared);
      });
    });
  }
  return api;
}
