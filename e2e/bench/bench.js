/* The in-page half of make bench: opens one socket of a contender, times a
 * workload on it and closes it. The Go side (bench/*.go) decides the order,
 * forces garbage collection between runs and does the statistics. */
(function () {
  'use strict';

  var ECHO = location.origin.replace(/^http/, 'ws') + '/echo';

  // Each contender is constructed the way its README shows, with default
  // options; binaryType is set as a property, as on a WebSocket.
  var MAKERS = {
    raw: function (url) { return new WebSocket(url); },
    wsbeat: function (url) { return new WSBeat.Socket(url); },
    rws: function (url) { return new ReconnectingWebSocket(url); },
    partysocket: function (url) { return new window.PartyWS(url); }
  };
  function maker(name) {
    var m = MAKERS[name];
    if (!m) throw new Error('bench: unknown contender ' + JSON.stringify(name));
    return m;
  }

  // withTimeout rejects if p takes longer than ms. what names p; it may be
  // a function, so that a loop does not build a string per iteration in a
  // page whose heap is being measured (1 000 numbers turned into strings
  // make V8 grow its number-to-string cache by 64 KB, for good).
  function withTimeout(p, ms, what) {
    var timer;
    return Promise.race([p, new Promise(function (_, reject) {
      timer = setTimeout(function () {
        reject(new Error('bench: ' + (typeof what === 'function' ? what() : what) + ' not done within ' + ms + ' ms'));
      }, ms);
    })]).finally(function () { clearTimeout(timer); });
  }

  function once(target, type) {
    return new Promise(function (resolve) {
      function on(ev) { target.removeEventListener(type, on); resolve(ev); }
      target.addEventListener(type, on);
    });
  }

  function open(name, binaryType, url) {
    var s = maker(name)(url || ECHO);
    s.binaryType = binaryType;
    return withTimeout(once(s, 'open'), 10000, name + ' open').then(function () { return s; });
  }

  function close(s) {
    if (s.readyState === 3) return Promise.resolve();
    var closed = once(s, 'close');
    s.close();
    return withTimeout(closed, 5000, 'close').catch(function () {});
  }

  function payload(mode, size) {
    if (mode === 'text') return 'x'.repeat(size);
    var b = new Uint8Array(size);
    for (var i = 0; i < size; i++) b[i] = i & 0xff;
    return b.buffer;
  }

  function sizeOf(d) { return typeof d === 'string' ? d.length : d.byteLength; }

  // pump sends count messages back to back (pipelined) and resolves with
  // the bytes echoed once all count came back. The listener reads every
  // message's data, as an application would.
  function pump(s, data, count) {
    return new Promise(function (resolve, reject) {
      var got = 0, bytes = 0;
      var timer = setTimeout(function () {
        s.removeEventListener('message', on);
        reject(new Error('bench: ' + got + ' of ' + count + ' echoes within 60 s'));
      }, 60000);
      function on(ev) {
        bytes += sizeOf(ev.data);
        if (++got === count) {
          clearTimeout(timer);
          s.removeEventListener('message', on);
          resolve(bytes);
        }
      }
      s.addEventListener('message', on);
      for (var i = 0; i < count; i++) s.send(data);
    });
  }

  // roundTrips sends one message, waits for its echo, and repeats; it
  // resolves with each round trip in microseconds.
  function roundTrips(s, data, count) {
    return new Promise(function (resolve, reject) {
      var out = new Float64Array(count), i = 0, t = 0;
      var timer = setTimeout(function () {
        s.removeEventListener('message', on);
        reject(new Error('bench: ' + i + ' of ' + count + ' round trips within 60 s'));
      }, 60000);
      function on(ev) {
        var now = performance.now();
        if (sizeOf(ev.data) !== sizeOf(data)) { reject(new Error('bench: echo of the wrong size')); return; }
        out[i++] = (now - t) * 1000;
        if (i === count) {
          clearTimeout(timer);
          s.removeEventListener('message', on);
          resolve(out);
          return;
        }
        t = performance.now();
        s.send(data);
      }
      s.addEventListener('message', on);
      t = performance.now();
      s.send(data);
    });
  }

  function quantile(sorted, q) {
    var i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
    return sorted[i];
  }

  var bench = {
    // ready resolves once every contender can be constructed.
    ready: function () {
      var loaded = document.readyState === 'complete' ? Promise.resolve() : once(window, 'load');
      return withTimeout(loaded.then(function () {
        if (typeof window.PartyWS !== 'function') throw new Error('bench: partysocket did not load');
        if (typeof window.ReconnectingWebSocket !== 'function') throw new Error('bench: reconnecting-websocket did not load');
        return WSBeat.ready;
      }), 20000, 'page ready').then(function () {
        return {
          isolated: !!window.crossOriginIsolated,
          userAgent: navigator.userAgent,
          wsbeat: WSBeat.version
        };
      });
    },

    // A sample runs in three steps, so that the driver can read the
    // renderer's CPU time around the timed part only: prepare opens a
    // socket and echoes untimed messages (200, or 100 round trips), run
    // times the workload, finish closes.
    //   throughput: count pipelined echoes of size bytes; messages per second.
    //   latency: count sequential round trips; median, p99 and mean in µs.
    prepare: function (kind, name, mode, size, count) {
      var data = payload(mode, size);
      return open(name, mode === 'binary' ? 'arraybuffer' : 'blob').then(function (s) {
        bench._cur = { kind: kind, name: name, s: s, data: data, size: size, count: count };
        var warm = kind === 'throughput' ? pump(s, data, Math.min(count, 200)) : roundTrips(s, data, Math.min(count, 100));
        return warm.then(function () { return true; }, function (e) { close(s); throw e; });
      });
    },

    run: function () {
      var c = bench._cur;
      if (c.kind === 'throughput') {
        var t0 = performance.now();
        return pump(c.s, c.data, c.count).then(function (bytes) {
          var ms = performance.now() - t0;
          if (bytes !== c.count * c.size) throw new Error('bench: ' + c.name + ' echoed ' + bytes + ' bytes, want ' + c.count * c.size);
          return { rate: c.count * 1000 / ms, ms: ms };
        });
      }
      return roundTrips(c.s, c.data, c.count).then(function (us) {
        var sum = 0;
        for (var i = 0; i < us.length; i++) sum += us[i];
        var sorted = Array.prototype.slice.call(us).sort(function (a, b) { return a - b; });
        return { median: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean: sum / us.length };
      });
    },

    finish: function () {
      var c = bench._cur;
      bench._cur = null;
      return c ? close(c.s).then(function () { return true; }) : Promise.resolve(true);
    },

    // --- the per-message path, taken apart ---

    // deliveryCost times, in ns per message, what each contender runs
    // between the browser's message event and the page's listener: the
    // handler it gives the native WebSocket is called directly with one
    // event, n times, best of 5. "raw" is the listener called directly;
    // "dispatch" is EventTarget.dispatchEvent to one listener, what the
    // browser's own dispatch costs for comparison.
    deliveryCost: function (name, n) {
      var ev = new MessageEvent('message', { data: 'x'.repeat(64) });
      var seen = 0;
      function on(e) { seen += e.data.length; }
      function time(fire) {
        var best = Infinity;
        for (var k = 0; k < 5; k++) {
          var t0 = performance.now();
          for (var i = 0; i < n; i++) fire(ev);
          best = Math.min(best, performance.now() - t0);
        }
        return best * 1e6 / n;
      }
      if (name === 'raw') return Promise.resolve({ ns: time(on) });
      if (name === 'dispatch') {
        var t = new EventTarget();
        t.addEventListener('message', on);
        return Promise.resolve({ ns: time(function (e) { t.dispatchEvent(e); }) });
      }
      return open(name, 'blob').then(function (s) {
        s.addEventListener('message', on);
        var handler = name === 'wsbeat' ? s._native.message : s._handleMessage;
        if (typeof handler !== 'function') throw new Error('bench: no message handler on ' + name);
        var before = seen;
        var ns = time(function (e) { handler.call(s, e); });
        if (seen - before !== 5 * n * 64) throw new Error('bench: ' + name + ' delivered ' + (seen - before) / 64 + ' of ' + 5 * n);
        return close(s).then(function () { return { ns: ns }; });
      });
    },

    // crossings counts the calls between JS and Go while a WSBeat.Socket
    // echoes count messages, from the engine's own counters
    // (WSBeat.stats(): engine functions called from JS, and port methods
    // that Go calls; docs/internals.md lists both).
    crossings: function (count) {
      return open('wsbeat', 'blob').then(function (s) {
        var before = WSBeat.stats();
        return pump(s, payload('text', 64), count).then(function () {
          var after = WSBeat.stats();
          var out = { toGo: after.jsToGo - before.jsToGo, fromGo: after.goToJS - before.goToJS, names: {}, messages: count };
          return close(s).then(function () { return out; });
        });
      });
    },

    // --- memory: one long-lived socket per page ---

    memOpen: function (name) {
      return open(name, 'blob').then(function (s) { bench._mem = { name: name, s: s }; return true; });
    },

    // memPump echoes count 64-byte messages in pipelined batches.
    memPump: function (count) {
      var s = bench._mem.s, data = payload('text', 64), left = count;
      function next() {
        if (left <= 0) return Promise.resolve(count);
        var n = Math.min(left, 10000);
        left -= n;
        return pump(s, data, n).then(next);
      }
      return next();
    },

    // memReconnect makes count new connections: reconnect() on the
    // reconnecting contenders, a new WebSocket for the raw one.
    memReconnect: function (count) {
      var m = bench._mem, i = 0;
      function next() {
        if (i++ >= count) return Promise.resolve(count);
        if (m.name === 'raw') {
          return close(m.s).then(function () { return open('raw', 'blob'); }).then(function (s) { m.s = s; return next(); });
        }
        var opened = once(m.s, 'open');
        m.s.reconnect();
        return withTimeout(opened, 10000, function () { return 'reconnect ' + i; }).then(next);
      }
      return next();
    },

    memRead: function () {
      var wasm = 0;
      window.__wasmInstances.forEach(function (inst) {
        var mem = inst.exports && inst.exports.mem;
        if (mem) wasm += mem.buffer.byteLength;
      });
      var refs = 0;
      window.__goInstances.forEach(function (go) { if (go._ids) refs += go._ids.size; });
      var st = WSBeat.stats();
      return { wasm: wasm, goRefs: refs, heapAlloc: st ? st.heapAlloc : 0, sys: st ? st.sys : 0, funcs: st ? st.funcs : 0,
        goroutines: st ? st.goroutines : 0, sockets: st ? st.sockets : 0 };
    },

    memClose: function () { return close(bench._mem.s).then(function () { return true; }); }
  };

  window.bench = bench;
})();
