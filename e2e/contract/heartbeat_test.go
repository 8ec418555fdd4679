//go:build !js

package contract

import (
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// Heartbeat settings of testHeartbeat, and the margin its recovery may
// take beyond interval + timeout: a new WebSocket to 127.0.0.1 opens in
// milliseconds, the rest is for timers on a busy two-core machine.
const (
	hbInterval = 500
	hbTimeout  = 500
	hbMargin   = 1000
)

// testHeartbeat: answered pings set lastRTT and fire heartbeat events
// without delivering the pongs as messages; with the server silenced, the
// socket closes with 4000 "heartbeat timeout", not clean, and is open
// again on a new connection within interval + timeout + a margin.
func testHeartbeat(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	params := map[string]int{"interval": hbInterval, "timeout": hbTimeout}
	info := e.check(t, 0, params, `
		await WSBeat.ready;
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: P.interval, heartbeatTimeout: P.timeout}));
		const messages = [];
		ws.onmessage = (e) => messages.push(e.data);
		await next(ws, 'open');
		c.eq('lastRTT before any ping', ws.lastRTT, null);
		const hb = await next(ws, 'heartbeat', 5000);
		c.ok('rtt', typeof hb.rtt === 'number' && hb.rtt >= 0, hb.rtt);
		c.eq('lastRTT', ws.lastRTT, hb.rtt);
		const got = next(ws, 'message');
		ws.send('app');
		await got;
		await next(ws, 'heartbeat', 5000);
		c.eq('pongs are not messages', messages, ['app']);

		const opened = next(ws, 'open', 10000);
		const closed = next(ws, 'close', 10000);
		const from = ws.log.length;
		const t0 = performance.now();
		const silenced = await control('silence');
		c.eq('silenced connections', silenced.affected, 1);
		const ce = await closed;
		const tClose = performance.now();
		await opened;
		const tOpen = performance.now();
		c.eq('heartbeat close', [ce.code, ce.reason, ce.wasClean, ce.willReconnect], [4000, 'heartbeat timeout', false, true]);
		const log = ws.log.slice(from);
		const err = log.find(x => x.type === 'error');
		c.ok('an error event precedes the close', err && err.isError && /heartbeat/.test(err.error) &&
			log.indexOf(err) < log.findIndex(x => x.type === 'close'), log);
		c.eq('the close is followed by an immediate retry', log.filter(x => x.type === 'reconnecting').map(x => [x.attempt, x.delay]), [[1, 0]]);
		c.eq('the silenced connection delivered nothing', messages, ['app']);
		const after = next(ws, 'message');
		ws.send('after');
		c.eq('the new connection echoes', (await after).data, 'after');
		const stats = await (await fetch('/control/stats')).json();
		c.info.serverStats = stats;
		c.info.detectMs = tClose - t0;
		c.info.recoverMs = tOpen - t0;
		c.info.lastRTT = ws.lastRTT;
		ws.close();
	`)
	detect, _ := info["detectMs"].(float64)
	recover, _ := info["recoverMs"].(float64)
	t.Logf("heartbeat %dms/%dms: silence to close %.0fms, silence to open again %.0fms (bound %dms); lastRTT %vms",
		hbInterval, hbTimeout, detect, recover, hbInterval+hbTimeout+hbMargin, info["lastRTT"])
	if recover <= 0 || recover > hbInterval+hbTimeout+hbMargin {
		t.Errorf("recovered after %.0fms, want within interval + timeout + margin = %dms", recover, hbInterval+hbTimeout+hbMargin)
	}
}

// testHeartbeatResponseNull: heartbeatResponse null delivers pongs as
// messages and still measures them; custom ping and pong strings, and a
// ping function, work; a message equal to the default pong is an ordinary
// message when the response is something else.
func testHeartbeatResponseNull(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		// Without a heartbeat, each pong the server sends is one message.
		const plain = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, heartbeatResponse: null});
		const all = [];
		plain.onmessage = (e) => all.push(e.data);
		await next(plain, 'open');
		plain.send('ping'); // the server answers "pong"
		plain.send('x');
		await until(() => all.indexOf('x') >= 0, 2000, 'the echo of x');
		await sleep(50);
		c.eq('a pong is delivered once with heartbeatResponse null', all, ['pong', 'x']);
		plain.close();
		// And with the default response, a pong is never a message.
		const filtered = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		const some = [];
		filtered.onmessage = (e) => some.push(e.data);
		await next(filtered, 'open');
		filtered.send('ping');
		filtered.send('y');
		await until(() => some.indexOf('y') >= 0, 2000, 'the echo of y');
		c.eq('a pong is not delivered by default, heartbeat or not', some, ['y']);
		filtered.close();

		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 200, heartbeatResponse: null}));
		const messages = [];
		ws.onmessage = (e) => messages.push(e.data);
		await next(ws, 'heartbeat', 5000);
		await until(() => messages.length > 0, 2000, 'a pong as a message');
		c.eq('pongs delivered with heartbeatResponse null', messages[0], 'pong');
		c.ok('lastRTT set with heartbeatResponse null', typeof ws.lastRTT === 'number', ws.lastRTT);
		ws.close();

		// The echo server echoes "HB": with it as both ping and response,
		// "pong" is an application message again.
		let calls = 0;
		// (After a pong the engine sends the next ping when the timeout of
		// the last one would have passed, so it is kept short here.)
		const custom = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 200, heartbeatTimeout: 400, heartbeatMessage: () => { calls++; return 'HB'; }, heartbeatResponse: 'HB'}));
		const got = [];
		custom.onmessage = (e) => got.push(e.data);
		await next(custom, 'heartbeat', 5000);
		await next(custom, 'heartbeat', 5000);
		const pong = next(custom, 'message');
		custom.send('ping'); // the server answers "pong"
		await pong;
		c.eq('custom response filtered, default pong delivered', got, ['pong']);
		c.ok('the ping function was called', calls >= 2, calls);
		const msgs = await serverMessages();
		c.ok('the server got the custom pings', msgs.filter(m => m === 'HB').length >= 2, msgs);
		custom.close();
	`)
}

// testCallbacksReadProperties: the page's functions that the engine calls
// while it works (shouldReconnect, heartbeatMessage, debug) can read every
// property of the socket. Reading one used to call back into the engine
// while it held the socket's lock, which deadlocked the Go program and
// killed every socket on the page. debug: true logs to the console.
func testCallbacksReadProperties(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const seen = {debug: 0, shouldReconnect: 0, heartbeatMessage: 0};
		let ws = null;
		ws = track(new WSBeat.Socket(ECHO, [], {
			heartbeatInterval: 150, minReconnectionDelay: 50, maxReconnectionDelay: 100,
			heartbeatMessage: () => { snap(ws); seen.heartbeatMessage++; return 'ping'; },
			shouldReconnect: (e) => { const s = snap(ws); seen.shouldReconnect++; seen.retryCount = s.retryCount; return true; },
			debug: (line) => { if (ws) snap(ws); seen.debug++; },
		}));
		await next(ws, 'open');
		await next(ws, 'heartbeat', 5000);
		const reopened = next(ws, 'open', 5000);
		await control('close?code=4001&reason=x');
		await reopened;
		c.ok('every callback ran', seen.debug > 0 && seen.shouldReconnect > 0 && seen.heartbeatMessage > 0, seen);
		c.ok('the engine still runs', WSBeat.stats() !== null);
		const echo = next(ws, 'message');
		ws.send('alive');
		c.eq('the socket still echoes', (await echo).data, 'alive');
		ws.close();
		const fresh = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, debug: true});
		await next(fresh, 'open');
		fresh.close();
	`)
	found := false
	for _, line := range e.p.Console() {
		if strings.HasPrefix(line, "log: ") && strings.Contains(line, "connecting to") {
			found = true
		}
	}
	if !found {
		t.Errorf("debug: true logged no \"connecting to\" line to the console: %q", e.p.Console())
	}
}

// testCallbacksCallMethods: every page callback may call every method of
// the same socket (issue 11, point 1), with a real server and each step
// bounded in time: the debug function, the heartbeatMessage function,
// shouldReconnect for a close the server sends and for a heartbeat
// timeout, the URL function, and the
// event listeners. Each one sends, reads the properties and reconnects or
// closes the socket it belongs to.
func testCallbacksCallMethods(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 60*time.Second, nil, serverMessagesJS+`
		await WSBeat.ready;
		const errors = [];
		// use calls every method but close/reconnect on ws and records what
		// threw.
		function use(ws, label) {
			try {
				snap(ws);
				ws.send(label);
				void ws.url;
				void ws.bufferedAmount;
			} catch (e) {
				errors.push(label + ': ' + e.name + ' ' + e.message);
			}
		}

		// debug: sends and reconnects from inside a log line.
		let debugged = 0;
		let dbg = null;
		dbg = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, debug: (line) => {
			if (!dbg || debugged) return;
			if (line.indexOf('connecting to') < 0) return;
			debugged++;
			use(dbg, 'from debug');
		}}));
		await next(dbg, 'open', 5000);
		const reopened = next(dbg, 'open', 5000);
		dbg.reconnect(); // logs "connecting to" again: the function sends
		await reopened;
		await until(() => debugged === 1, 5000, 'the debug function to run');

		// heartbeatMessage: sends, then closes the socket it pings.
		let pinged = 0;
		let hb = null;
		hb = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 100, heartbeatMessage: () => {
			pinged++;
			use(hb, 'from heartbeatMessage');
			if (pinged === 2) hb.close(4001, 'from heartbeatMessage');
			return 'ping';
		}}));
		await next(hb, 'open', 5000);
		const hbClose = await next(hb, 'close', 5000);
		c.eq('heartbeatMessage closed its socket', [hbClose.code, hbClose.reason, hb.state], [4001, 'from heartbeatMessage', 'closed']);

		// shouldReconnect for a close the server sends: sends (queued),
		// reads, and reconnects by itself instead of answering true.
		let asked = 0;
		let sr = null;
		sr = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 60000, maxReconnectionDelay: 60000,
			shouldReconnect: (ev) => {
				asked++;
				use(sr, 'from shouldReconnect');
				sr.reconnect();
				return false;
			}}));
		await next(sr, 'open', 5000);
		const srOpen = next(sr, 'open', 5000);
		await control('close?code=4001&reason=x');
		await srOpen;
		c.eq('shouldReconnect ran once and its reconnect() won', [asked, sr.state], [1, 'open']);

		// shouldReconnect for a close the engine decides itself (a heartbeat
		// timeout on a silenced connection, tag ht only): the same calls.
		let htAsked = 0;
		let ht = null;
		ht = track(new WSBeat.Socket(ECHO + '?tag=ht', [], {heartbeatInterval: 200, heartbeatTimeout: 200,
			minReconnectionDelay: 60000, maxReconnectionDelay: 60000,
			shouldReconnect: (ev) => {
				if (ev.code !== 4000) return true;
				htAsked++;
				use(ht, 'from shouldReconnect on a heartbeat timeout');
				ht.reconnect();
				return false;
			}}));
		await next(ht, 'open', 5000);
		const htOpen = next(ht, 'open', 5000);
		await control('silence?tag=ht');
		await htOpen;
		c.eq('shouldReconnect after a heartbeat timeout ran once and its reconnect() won', [htAsked, ht.state], [1, 'open']);

		// The URL function: reads and sends on its socket while it resolves.
		let fn = null;
		let resolved = 0;
		fn = track(new WSBeat.Socket(async () => {
			resolved++;
			if (fn) use(fn, 'from the URL function');
			return ECHO + '?fn';
		}, [], {heartbeatInterval: 0}));
		await next(fn, 'open', 5000);
		fn.reconnect();
		await next(fn, 'open', 5000);
		c.eq('the URL function ran for each attempt', resolved, 2);

		// Event listeners: each one calls the socket, and a close listener
		// reconnects it.
		const ev = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, maxRetries: 0}));
		for (const type of ['open', 'statechange', 'reconnecting', 'error', 'drop']) ev.addEventListener(type, () => use(ev, 'from ' + type));
		let reconnected = false;
		ev.onclose = () => { use(ev, 'from onclose'); if (!reconnected) { reconnected = true; ev.reconnect(); } };
		ev.onmessage = (m) => { if (m.data === 'trigger') use(ev, 'from onmessage'); };
		await next(ev, 'open', 5000);
		ev.send('trigger');
		await next(ev, 'message', 5000, (m) => m.data === 'from onmessage');
		const evOpen = next(ev, 'open', 5000);
		await control('close?code=4002&reason=y');
		await evOpen;
		c.eq('onclose reconnected a socket with maxRetries 0', ev.state, 'open');

		c.eq('no callback saw a method throw', errors, []);
		const got = await settled(0);
		for (const label of ['from debug', 'from heartbeatMessage', 'from shouldReconnect', 'from shouldReconnect on a heartbeat timeout',
			'from the URL function', 'from onclose', 'from onmessage']) {
			c.ok('the server got a message sent ' + label, got.indexOf(label) >= 0, got);
		}
		for (const ws of [dbg, sr, ht, fn, ev]) ws.close();
	`)
}
