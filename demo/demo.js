/* The wsbeat demo (index.html): one WSBeatVue.useSocket, the echo server's
 * control API to break the connection, and a view of everything the
 * socket reports. Everything shown comes from the socket: its refs, and
 * its events for the log and the chart. */
(function () {
  'use strict';

  const { createApp, ref, shallowRef, reactive, computed, effectScope, onMounted, onUnmounted } = Vue;

  const ECHO = new URL('echo', location.href).href.replace(/^http/, 'ws');
  const CHART_MS = 2 * 60 * 1000; // the chart's time span
  const LOG_MAX = 200;            // log entries kept

  const COLOURS = {
    open: '#16a34a',
    connecting: '#2563eb',
    reconnecting: '#d97706',
    closing: '#ea580c',
    closed: '#6b7280',
  };

  // What a close code means, for the log.
  const CLOSE_MEANING = {
    1000: 'normal closure',
    1001: 'going away',
    1005: 'no code given',
    1006: 'connection lost without a close frame',
    1008: 'policy violation: wsbeat does not retry',
    1011: 'server error',
    4000: 'no answer to the ping within heartbeatTimeout',
  };

  function meaning(code) {
    if (CLOSE_MEANING[code]) return CLOSE_MEANING[code];
    if (code >= 4400 && code <= 4499) return 'a 44xx code: wsbeat does not retry';
    return '';
  }

  function clock(t) {
    const d = new Date(t);
    return d.toTimeString().slice(0, 8) + '.' + String(d.getMilliseconds()).padStart(3, '0');
  }

  function ms(v) {
    return (v < 10 ? v.toFixed(1) : Math.round(v)) + ' ms';
  }

  // niceMax is the chart's top: a round number above v.
  function niceMax(v) {
    for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]) {
      if (v * 1.15 <= m) return m;
    }
    return Math.ceil(v / 10000) * 10000;
  }

  createApp({
    setup() {
      // --- the socket ---------------------------------------------------
      const settings = reactive({ heartbeatInterval: 3000, heartbeatTimeout: 2000 });
      const applied = ref(Object.assign({}, WSBeat.defaults, settings));
      const conn = shallowRef(null); // what useSocket returned
      let scope = null;              // the effect scope that owns conn

      // connect makes a socket with the heartbeat settings. It runs
      // useSocket in its own effect scope so that Apply can stop that scope,
      // which closes the old socket, and start again with new options.
      function connect() {
        const options = { heartbeatInterval: settings.heartbeatInterval, heartbeatTimeout: settings.heartbeatTimeout };
        const next = effectScope();
        let api;
        try {
          api = next.run(() => WSBeatVue.useSocket(ECHO, options));
        } catch (e) {
          next.stop();
          note('error', e.message);
          return;
        }
        if (scope) {
          note('info', 'new heartbeat settings: closing this socket, opening a new one');
          scope.stop();
        }
        scope = next;
        conn.value = api;
        applied.value = Object.assign({}, WSBeat.defaults, options);
        listen(api.socket.value);
      }

      const state = computed(() => conn.value ? conn.value.state.value : 'closed');
      const status = computed(() => conn.value ? conn.value.status.value : 'CLOSED');
      const lastRTT = computed(() => conn.value ? conn.value.lastRTT.value : null);
      const retryCount = computed(() => conn.value ? conn.value.retryCount.value : 0);
      const socketURL = computed(() => conn.value && conn.value.socket.value ? conn.value.socket.value.url : '');

      // --- what the events say --------------------------------------------
      const log = ref([]);
      let seq = 0;
      function note(kind, text, extra) {
        log.value.unshift(Object.assign({ id: ++seq, time: clock(Date.now()), kind, text }, extra));
        if (log.value.length > LOG_MAX) log.value.length = LOG_MAX;
      }

      const rtts = shallowRef([]);  // {t, rtt, seg}: answered pings
      const bands = shallowRef([]); // {from, to, state, label}: time not open
      const marks = shallowRef([]); // {t, label}: the server's control actions
      const retry = ref(null);      // the last reconnecting event
      let seg = 0;                  // connection number, to break the RTT line

      function listen(s) {
        s.addEventListener('statechange', (e) => {
          note('state', `${e.previous} → ${e.state}`);
          const now = Date.now();
          const open = bands.value.length && bands.value[bands.value.length - 1].to === null;
          if (e.state === 'open' && open) {
            bands.value = bands.value.map((b) => b.to === null ? Object.assign({}, b, { to: now }) : b);
          } else if (e.state !== 'open' && !open && e.previous === 'open') {
            bands.value = bands.value.concat({ key: now, from: now, to: null, state: e.state, label: '' });
          }
        });
        s.addEventListener('open', (e) => {
          seg++;
          retry.value = null;
          note('open', e.retryCount ? `open after ${e.retryCount} failed attempt${e.retryCount > 1 ? 's' : ''}` : 'open');
        });
        s.addEventListener('close', (e) => {
          const why = meaning(e.code);
          note('close', `close ${e.code}${e.reason ? ` “${e.reason}”` : ''}${why ? ': ' + why : ''}; ` +
            (e.willReconnect ? 'reconnecting' : 'stays closed'), { code: e.code });
          const last = bands.value[bands.value.length - 1];
          if (last && last.to === null && !last.label) {
            bands.value = bands.value.slice(0, -1).concat(Object.assign({}, last, { label: `${e.code} ${e.reason || why}` }));
          }
        });
        s.addEventListener('error', (e) => {
          note('error', e.error ? e.error.message : 'connection failed');
        });
        s.addEventListener('reconnecting', (e) => {
          const o = applied.value;
          const window = Math.min(o.maxReconnectionDelay, o.minReconnectionDelay * Math.pow(o.reconnectionDelayGrowFactor, e.attempt - 1));
          retry.value = { attempt: e.attempt, delay: e.delay, at: Date.now() + e.delay };
          note('retry', e.delay === 0
            ? `retry #${e.attempt} now: the first retry after a lost connection does not wait`
            : `retry #${e.attempt} in ${Math.round(e.delay)} ms (random, up to ${Math.round(window)} ms)`,
          { attempt: e.attempt, delay: e.delay, window });
        });
        s.addEventListener('heartbeat', (e) => {
          const cut = Date.now() - CHART_MS;
          rtts.value = rtts.value.filter((p) => p.t >= cut).concat({ t: Date.now(), rtt: e.rtt, seg });
        });
        s.addEventListener('message', (e) => {
          note('echo', '← ' + (typeof e.data === 'string' ? e.data : `${e.data.size || e.data.byteLength} bytes`));
        });
        s.addEventListener('drop', (e) => {
          note('drop', `${e.messages.length} queued message${e.messages.length > 1 ? 's' : ''} discarded (${e.reason})`);
        });
      }

      // --- what the page does ----------------------------------------------
      const message = ref('');
      function sendMessage() {
        const text = message.value;
        if (!text || !conn.value) return;
        try {
          const result = conn.value.send(text);
          note('send', `→ ${text} (${result})`);
          message.value = '';
        } catch (e) {
          note('error', `send: ${e.message}`);
        }
      }
      function close() {
        conn.value.close(1000, 'closed from the page');
      }
      function reconnect() {
        conn.value.reconnect();
      }

      const closeCode = ref(4001);
      const closeReason = ref('closed by the demo');
      const refuseUntil = ref(0);
      async function control(action) {
        const name = action.split('?')[0];
        try {
          const resp = await fetch('control/' + action, { method: 'POST' });
          const body = await resp.json();
          if (!resp.ok) throw new Error(body.error || resp.statusText);
          const cut = Date.now() - CHART_MS;
          marks.value = marks.value.filter((m) => m.t >= cut).concat({ t: Date.now(), label: name === 'reject' ? 'refuse' : name });
          if (name === 'reject') refuseUntil.value = Date.now() + 5000;
          if (name === 'reset') refuseUntil.value = 0;
          note('server', {
            silence: `silenced ${body.affected} connection${body.affected === 1 ? '' : 's'}: no more reads or writes. ` +
              `wsbeat pings after ${applied.value.heartbeatInterval / 1000} s of silence and gives up ` +
              `${applied.value.heartbeatTimeout / 1000} s later`,
            drop: `dropped ${body.affected} connection${body.affected === 1 ? '' : 's'} without a close frame`,
            close: `closed ${body.affected} connection${body.affected === 1 ? '' : 's'} with ${closeCode.value}`,
            reject: 'refusing new connections (HTTP 503) for 5 s',
            reset: 'reset: refusal over, counters zeroed',
          }[name]);
        } catch (e) {
          note('error', `control/${name}: ${e.message}`);
        }
      }

      // --- time: countdowns, the queue and the chart's sliding window --------
      const now = ref(Date.now());
      const queued = ref(0);
      let ticker = 0;
      onMounted(() => {
        ticker = setInterval(() => {
          now.value = Date.now();
          const s = conn.value && conn.value.socket.value;
          queued.value = s ? s.queuedMessages : 0;
        }, 250);
      });
      onUnmounted(() => clearInterval(ticker));

      const refusing = computed(() => Math.max(0, refuseUntil.value - now.value));
      const nextRetry = computed(() => {
        const r = retry.value;
        if (!r || state.value === 'open') return '—';
        const left = Math.max(0, r.at - now.value);
        return `#${r.attempt}: ${Math.round(r.delay)} ms` + (left > 0 ? ` (in ${(left / 1000).toFixed(1)} s)` : '');
      });

      // The chart spans the time since the page opened, from 30 s up to
      // CHART_MS, so it has something to show in the first minute.
      const opened = Date.now();
      const chart = computed(() => {
        // w and h match the viewBox in index.html, which is static because
        // the browser lowercases bound attribute names in in-DOM templates.
        const w = 640, h = 170, left = 48, right = 10, top = 8, bottom = h - 22;
        const t1 = now.value, span = Math.min(CHART_MS, Math.max(30000, t1 - opened)), t0 = t1 - span;
        const x = (t) => left + (t - t0) / span * (w - left - right);
        const pts = rtts.value.filter((p) => p.t >= t0);
        const max = niceMax(Math.max(1, ...pts.map((p) => p.rtt)));
        const y = (v) => bottom - v / max * (bottom - top);
        // label puts a text right of x1, or left of x0 where it would not fit.
        const label = (x0, x1, text) => x1 + 3 + text.length * 6.2 <= w - right
          ? { tx: x1 + 3, anchor: 'start', text } : { tx: x0 - 3, anchor: 'end', text };

        const lines = [];
        for (const p of pts) {
          let line = lines[lines.length - 1];
          if (!line || line.seg !== p.seg) lines.push(line = { key: 's' + p.seg, seg: p.seg, points: '' });
          line.points += `${x(p.t).toFixed(1)},${y(p.rtt).toFixed(1)} `;
        }
        const step = span <= 40000 ? 10000 : span <= 80000 ? 20000 : 30000;
        const xTicks = [];
        for (let d = 0; d <= span; d += step) xTicks.push({ x: x(t1 - d), label: d ? `−${d / 1000} s` : 'now' });
        return {
          w, h, left, right, top, bottom,
          lines,
          dots: pts.map((p) => ({ key: p.t, x: x(p.t), y: y(p.rtt) })),
          // Bands and markers are labelled on three staggered rows so that
          // events close together stay readable.
          bands: bands.value.filter((b) => (b.to === null ? t1 : b.to) >= t0).map((b, i) => {
            const from = x(Math.max(b.from, t0)), to = x(b.to === null ? t1 : b.to);
            return Object.assign({ key: b.key, x: from, w: Math.max(2, to - from), y: top + 10 + (i % 3) * 12,
              fill: COLOURS[b.state] || COLOURS.reconnecting }, label(from, Math.max(from + 2, to), b.label));
          }),
          marks: marks.value.filter((m) => m.t >= t0).map((m, i) => {
            const mx = x(m.t);
            return Object.assign({ key: m.t, x: mx, y: bottom - 4 - (i % 3) * 12 }, label(mx, mx, m.label));
          }),
          yTicks: [0, max / 2, max].map((v) => ({ v, y: y(v), label: v + ' ms' })),
          xTicks,
        };
      });

      connect();
      note('info', `connecting to ${ECHO}`);

      return {
        url: ECHO, settings, applied, connect,
        state, status, lastRTT, retryCount, queued, socketURL,
        states: Object.keys(COLOURS), nextRetry, minUptime: WSBeat.defaults.minUptime,
        log, chart, message, sendMessage, close, reconnect,
        closeCode, closeReason, control, refusing,
        colour: (s) => COLOURS[s] || COLOURS.closed,
        ms,
      };
    },
  }).mount('#app');
})();
