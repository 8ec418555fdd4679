//go:build !js

package contract

import (
	"fmt"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testHandlers: on* handlers and addEventListener alike, for every event
// of WebSocket's own, with WebSocket's rules: a handler is a listener of
// its own (adding the same function with addEventListener calls it
// twice), it keeps its place when replaced, null removes it; once,
// handleEvent objects, AbortSignal, removeEventListener, and listeners
// removed during a dispatch are not called. Messages take the fast path,
// so they get the same checks separately.
func testHandlers(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const ws = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 200, maxReconnectionDelay: 400});
		c.eq('handlers start null', [ws.onopen, ws.onmessage, ws.onclose, ws.onerror], [null, null, null, null]);
		const calls = [];
		const rec = (name) => function (e) { calls.push([name, e.type, this === ws]); };

		// open: handler, listener, handleEvent object, once.
		const onopen = rec('onopen');
		ws.onopen = onopen;
		c.ok('onopen reads back', ws.onopen === onopen);
		ws.addEventListener('open', rec('listener'));
		const obj = {handleEvent(e) { calls.push(['handleEvent', e.type, this === obj]); }};
		ws.addEventListener('open', obj);
		ws.addEventListener('open', rec('once'), {once: true});
		await next(ws, 'open');
		c.eq('open: every kind of listener, in order', calls,
			[['onopen', 'open', true], ['listener', 'open', true], ['handleEvent', 'open', true], ['once', 'open', true]]);

		// message: the same on the fast path, plus the handler's place.
		calls.length = 0;
		const A = rec('A'), B = rec('B'), C = rec('C'), H = rec('H'), H2 = rec('H2');
		ws.addEventListener('message', A);
		ws.onmessage = H;
		ws.addEventListener('message', B);
		ws.addEventListener('message', A); // a duplicate is ignored
		const mobj = {handleEvent(e) { calls.push(['handleEvent', e.data, this === mobj, e instanceof MessageEvent]); }};
		ws.addEventListener('message', mobj);
		ws.addEventListener('message', function (e) { calls.push(['once', e.data]); }, {once: true});
		const ctl = new AbortController();
		ws.addEventListener('message', function (e) { calls.push(['signal', e.data]); }, {signal: ctl.signal});
		const echo = async (data) => { const got = next(ws, 'message'); ws.send(data); return (await got).data; };
		c.eq('m1 echoed', await echo('m1'), 'm1');
		c.eq('message: every kind of listener, in order', calls, [['A', 'message', true], ['H', 'message', true],
			['B', 'message', true], ['handleEvent', 'm1', true, true], ['once', 'm1'], ['signal', 'm1']]);
		calls.length = 0;
		ws.onmessage = H2; // replaced in place
		ctl.abort();
		ws.removeEventListener('message', B);
		await echo('m2');
		c.eq('replaced handler keeps its place; once, signal and removed are gone', calls,
			[['A', 'message', true], ['H2', 'message', true], ['handleEvent', 'm2', true, true]]);

		// A handler is separate from a listener of the same function.
		calls.length = 0;
		ws.removeEventListener('message', A);
		ws.removeEventListener('message', mobj);
		ws.onmessage = A;
		ws.addEventListener('message', A);
		await echo('m3');
		c.eq('same function as handler and listener runs twice', calls.length, 2);
		calls.length = 0;
		ws.onmessage = null;
		c.eq('onmessage null reads back', ws.onmessage, null);
		await echo('m4');
		c.eq('onmessage = null leaves the listener', calls, [['A', 'message', true]]);
		ws.onmessage = 'not a function';
		c.eq('a non-function handler reads back as null', ws.onmessage, null);
		ws.removeEventListener('message', A);

		// A listener removed by an earlier one during the same dispatch
		// is not called, as EventTarget does.
		calls.length = 0;
		const second = rec('second');
		const first = function () { calls.push(['first']); ws.removeEventListener('message', second); };
		ws.addEventListener('message', first);
		ws.addEventListener('message', second);
		const third = function () { calls.push(['third']); };
		ws.addEventListener('message', third);
		await echo('m5');
		c.eq('removed during dispatch', calls, [['first'], ['third']]);
		ws.removeEventListener('message', first);
		ws.removeEventListener('message', third);

		// The same rules for open: a handler and a listener of one
		// function both run, and null removes only the handler.
		calls.length = 0;
		const O = rec('O');
		ws.onopen = O;
		ws.addEventListener('open', O);
		ws.reconnect();
		await next(ws, 'open');
		c.eq('open: handler and listener of one function', calls.filter(x => x[0] === 'O').length, 2);
		c.ok('once did not run again', !calls.some(x => x[0] === 'once'), calls);
		calls.length = 0;
		ws.onopen = null;
		ws.reconnect();
		await next(ws, 'open');
		c.eq('open after onopen = null', calls.filter(x => x[0] === 'O' || x[0] === 'onopen').length, 1);

		// close and error: handler and listener; removeEventListener.
		calls.length = 0;
		ws.onclose = rec('onclose');
		ws.onerror = rec('onerror');
		const closeL = rec('close listener');
		ws.addEventListener('close', closeL);
		ws.addEventListener('error', rec('error listener'));
		// The refusal outlasts the immediate retry even on a busy machine.
		const back = next(ws, 'open', 5000);
		await control('reject?ms=1000');
		await control('drop');
		await back;
		c.ok('onclose and close listener ran', calls.some(x => x[0] === 'onclose') && calls.some(x => x[0] === 'close listener'), calls);
		c.ok('onerror and error listener ran', calls.some(x => x[0] === 'onerror') && calls.some(x => x[0] === 'error listener'), calls);
		calls.length = 0;
		ws.removeEventListener('close', closeL);
		ws.onclose = null;
		ws.close();
		await next(ws, 'close');
		c.eq('removed close listeners are not called', calls.filter(x => x[1] === 'close'), []);

		// dispatchEvent: the socket is an EventTarget for any event.
		let custom = null;
		ws.addEventListener('custom', function (e) { custom = [e.type, this === ws, e.target === ws]; });
		c.eq('dispatchEvent returns true', ws.dispatchEvent(new Event('custom')), true);
		c.eq('custom event', custom, ['custom', true, true]);
		let synthetic = null;
		ws.addEventListener('message', (e) => { synthetic = e.data; });
		ws.dispatchEvent(new MessageEvent('message', {data: 'synthetic'}));
		c.eq('dispatched message reaches message listeners', synthetic, 'synthetic');
	`)
}

// testEventFields: every event of the contract carries its fields, for a
// server close that is retried, a failed attempt, a heartbeat and a state
// change.
func testEventFields(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 200, heartbeatTimeout: 3000,
			minReconnectionDelay: 150, maxReconnectionDelay: 300}));
		const oe = await next(ws, 'open');
		c.eq('open.retryCount', oe.retryCount, 0);
		const hb = await next(ws, 'heartbeat', 3000);
		c.ok('heartbeat.rtt is a number of ms', typeof hb.rtt === 'number' && hb.rtt >= 0 && hb.rtt < 3000, hb.rtt);
		c.eq('lastRTT is the last rtt', ws.lastRTT, hb.rtt);

		// A server close that is retried at once.
		const from = ws.log.length;
		const reopened = next(ws, 'open', 5000);
		await control('close?code=4001&reason=' + encodeURIComponent('bye \u00e9'));
		const re = await reopened;
		const log = ws.log.slice(from).filter(x => x.type !== 'heartbeat');
		const close = log.find(x => x.type === 'close');
		c.eq('close fields', close && [close.isCloseEvent, close.code, close.reason, close.wasClean, close.willReconnect],
			[true, 4001, 'bye \u00e9', true, true]);
		const rc = log.find(x => x.type === 'reconnecting');
		c.eq('reconnecting fields: first retry after an open connection is immediate', rc && [rc.attempt, rc.delay], [1, 0]);
		c.eq('open.retryCount is the count before it opened', re.retryCount, 1);
		c.eq('retryCount until minUptime passes', ws.retryCount, 1);
		c.eq('state changes', log.filter(x => x.type === 'statechange').map(x => x.previous + '>' + x.state),
			['open>reconnecting', 'reconnecting>connecting', 'connecting>open']);
		const order = types(log).filter(t => t !== 'statechange');
		c.eq('event order', order, ['close', 'reconnecting', 'open']);

		// A failed attempt: error with an Error, close 1006 not clean. The
		// refusal is long enough for Firefox, which holds a page's attempts
		// to a server that just failed for a few hundred ms, to try twice.
		const from2 = ws.log.length;
		const back = next(ws, 'open', 10000);
		await control('reject?ms=2000');
		await control('drop');
		await back;
		const failed = ws.log.slice(from2);
		const errs = failed.filter(x => x.type === 'error');
		c.ok('error events carry an Error', errs.length > 0 && errs.every(x => x.isError && x.error), errs);
		const closes = failed.filter(x => x.type === 'close');
		c.ok('a failed attempt closes 1006, not clean, and will reconnect', closes.length >= 2 &&
			closes.every(x => x.code === 1006 && !x.wasClean && x.willReconnect && x.isCloseEvent), closes);
		const rcs = failed.filter(x => x.type === 'reconnecting');
		c.ok('reconnecting attempts count up', rcs.length >= 2 && rcs.every((x, i) => x.attempt === rcs[0].attempt + i), rcs);

		// statechange fields; drop fields come from the queue tests.
		const sc = ws.log.filter(x => x.type === 'statechange');
		c.ok('every statechange has state and previous', sc.every(x => typeof x.state === 'string' && typeof x.previous === 'string' && x.state !== x.previous), sc);
		ws.close(1000);
		const fin = await next(ws, 'close');
		c.eq('final close', [fin.code, fin.wasClean, fin.willReconnect, ws.state], [1000, true, false, 'closed']);
	`)
}

// testBackoff: failed attempts against a refused port wait a full-jitter
// delay within [0, min(max, min * grow^n)], count up, and stop after
// maxRetries with a final close; an attempt that a server accepts but
// never answers is abandoned after connectionTimeout.
func testBackoff(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	refused := fmt.Sprintf("ws://127.0.0.1:%d/", closedPort(t))
	info := e.check(t, 0, map[string]string{"silent": "ws://" + silentServer(t) + "/"}, `
		await WSBeat.ready;
		const t0 = performance.now();
		const ws = track(new WSBeat.Socket(P.silent, [], {connectionTimeout: 300, maxRetries: 2, minReconnectionDelay: 10, maxReconnectionDelay: 20}));
		const fin = await next(ws, 'close', 10000, e => !e.willReconnect);
		const errs = ws.log.filter(x => x.type === 'error');
		c.eq('connectionTimeout: one error per attempt', errs.length, 3);
		c.ok('connectionTimeout: the errors say so', errs.every(x => x.isError && /timeout/.test(x.error)), errs);
		c.eq('connectionTimeout: closes', ws.log.filter(x => x.type === 'close').map(x => [x.code, x.willReconnect]), [[1006, true], [1006, true], [1006, false]]);
		// Each attempt starts after the previous one's error, and its
		// timeout runs from there (event times are rounded to 1ms).
		const waited = errs.map((x, i) => x.t - (i === 0 ? t0 : errs[i - 1].t));
		c.ok('connectionTimeout: each attempt waited its timeout', waited.every(w => w >= 299), waited);
		c.info.timeouts = errs.map(x => Math.round(x.t - t0));
	`)
	t.Logf("connectionTimeout 300ms: attempts abandoned at %v ms", info["timeouts"])
	e.check(t, 0, refused, `
		await WSBeat.ready;
		const ws = track(new WSBeat.Socket(P, [], {minReconnectionDelay: 100, maxReconnectionDelay: 400, reconnectionDelayGrowFactor: 2, maxRetries: 5}));
		await next(ws, 'close', 10000, e => !e.willReconnect);
		const rcs = ws.log.filter(x => x.type === 'reconnecting');
		c.eq('attempts', rcs.map(x => x.attempt), [1, 2, 3, 4, 5]);
		const bounds = [100, 200, 400, 400, 400];
		rcs.forEach((x, i) => c.ok('delay of attempt ' + x.attempt + ' within [0, ' + bounds[i] + ']', x.delay >= 0 && x.delay <= bounds[i], x.delay));
		// Each wait lasts at least its delay: the next attempt's error
		// comes no sooner.
		const errs = ws.log.filter(x => x.type === 'error');
		c.eq('one error per attempt', errs.length, 6);
		rcs.forEach((x, i) => c.ok('attempt ' + x.attempt + ' waited its delay', errs[i + 1].t - x.t >= x.delay - 5, {delay: x.delay, waited: errs[i + 1].t - x.t}));
		const closes = ws.log.filter(x => x.type === 'close');
		c.eq('closes', closes.map(x => [x.code, x.wasClean, x.willReconnect]),
			[[1006, false, true], [1006, false, true], [1006, false, true], [1006, false, true], [1006, false, true], [1006, false, false]]);
		c.eq('gave up', [ws.state, ws.readyState, ws.retryCount], ['closed', 3, 5]);
		c.ok('readyState stayed CONNECTING between attempts', ws.log.filter(x => x.type === 'statechange' && x.state === 'closed').length === 1);
		c.info.delays = rcs.map(x => x.delay);
	`)
}

// testReconnectPolicy: the default shouldReconnect stops on the codes the
// contract lists and retries the rest, a custom one decides (and gets a
// CloseEvent), maxRetries 0 never reconnects, close() never does, and a
// socket that gave up starts again with reconnect(), sending what was sent
// meanwhile.
func testReconnectPolicy(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const base = {heartbeatInterval: 0, minReconnectionDelay: 50, maxReconnectionDelay: 100};
		async function closedBy(code, opts) {
			const ws = new WSBeat.Socket(ECHO, [], Object.assign({}, base, opts));
			await next(ws, 'open');
			let readyState = null;
			ws.addEventListener('close', () => { readyState = ws.readyState; }, {once: true});
			const closed = next(ws, 'close');
			await control('close?code=' + code + '&reason=policy');
			const ev = await closed;
			return {ws, ev, readyState};
		}
		for (const [code, again] of [[1000, true], [1001, true], [1011, true], [4001, true], [4399, true], [4500, true],
				[1002, false], [1003, false], [1007, false], [1008, false], [1009, false], [1010, false], [4400, false], [4499, false]]) {
			const {ws, ev, readyState} = await closedBy(code);
			c.eq('default policy, code ' + code + ': willReconnect', ev.willReconnect, again);
			c.eq('default policy, code ' + code + ': readyState at the close event', readyState, again ? 0 : 3);
			ws.close();
		}

		let got = null;
		const custom = await closedBy(4001, {shouldReconnect(e) { got = [e instanceof CloseEvent, e.code, e.reason, e.wasClean]; return false; }});
		c.eq('shouldReconnect gets a CloseEvent', got, [true, 4001, 'policy', true]);
		c.eq('shouldReconnect false stops', [custom.ev.willReconnect, custom.ws.state], [false, 'closed']);
		const yes = await closedBy(4400, {shouldReconnect: () => true});
		c.eq('shouldReconnect true overrides the default', yes.ev.willReconnect, true);
		await until(() => yes.ws.readyState === 1, 5000, 'open again');
		yes.ws.close();

		const never = new WSBeat.Socket(ECHO, [], Object.assign({}, base, {maxRetries: 0}));
		await next(never, 'open');
		const nc = next(never, 'close');
		await control('drop');
		c.eq('maxRetries 0 never reconnects', [(await nc).willReconnect, never.state], [false, 'closed']);

		// minUptime: the retry count resets once a connection stayed open
		// that long, so the next drop is retried at once again.
		const up = track(new WSBeat.Socket(ECHO, [], Object.assign({}, base, {minUptime: 300})));
		await next(up, 'open');
		let back = next(up, 'open', 5000);
		await control('drop');
		await back;
		c.eq('retryCount right after a reopen', up.retryCount, 1);
		await sleep(600);
		c.eq('retryCount after minUptime', up.retryCount, 0);
		const from = up.log.length;
		back = next(up, 'open', 5000);
		await control('drop');
		await back;
		const rc = up.log.slice(from).find(x => x.type === 'reconnecting');
		c.eq('after a stable connection the retry is immediate again', rc && [rc.attempt, rc.delay], [1, 0]);
		up.close();

		let asked = false;
		const user = new WSBeat.Socket(ECHO, [], Object.assign({}, base, {shouldReconnect: () => { asked = true; return true; }}));
		await next(user, 'open');
		user.close(4000, 'mine');
		const uc = await next(user, 'close');
		c.eq('close() never reconnects', [uc.willReconnect, asked, user.state], [false, false, 'closed']);

		// The socket that gave up: send holds, reconnect() starts it and
		// delivers in order.
		await control('reset');
		const gave = custom.ws;
		c.eq('send after giving up holds the message', [gave.send('held 1'), gave.send('held 2')], ['queued', 'queued']);
		c.eq('queuedMessages after giving up', gave.queuedMessages, 2);
		gave.reconnect();
		const go = await next(gave, 'open');
		c.eq('reconnect() resets the retry count', go.retryCount, 0);
		await until(() => gave.queuedMessages === 0);
		const msgs = await (async () => { for (let i = 0; i < 100; i++) { const m = await serverMessages(); if (m.length >= 2) return m; await sleep(20); } return serverMessages(); })();
		c.eq('held messages arrive in order', msgs, ['held 1', 'held 2']);
		gave.close();
	`)
}

// testMessageTargetAndStable: a message event from the server is the
// browser's own, untouched (target: the inner WebSocket, a documented
// deviation that keeps the per-message cost), a message event the page
// dispatches has the socket as target and currentTarget, and a "stable"
// event says when an open connection has stayed up minUptime, with the
// retry count the engine then reset.
func testMessageTargetAndStable(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minUptime: 300, minReconnectionDelay: 10, maxReconnectionDelay: 20}));
		const seen = [];
		ws.onmessage = (e) => seen.push(['on', e.target === ws, e.currentTarget === ws, e.data]);
		ws.addEventListener('message', (e) => seen.push(['add', e.target === ws, e.currentTarget === ws, e.data]));
		await next(ws, 'open');
		const got = next(ws, 'message');
		ws.send('x');
		await got;
		ws.dispatchEvent(new MessageEvent('message', {data: 'own'}));
		c.eq('target and currentTarget: the inner WebSocket for the server\'s, the socket for the page\'s own', seen,
			[['on', false, false, 'x'], ['add', false, false, 'x'], ['on', true, true, 'own'], ['add', true, true, 'own']]);

		// A server close: the reopened connection has retryCount 1 until it
		// stays up minUptime, and a stable event then says it is 0.
		const reopened = next(ws, 'open', 5000);
		await control('close?code=4001&reason=x');
		await reopened;
		c.eq('retryCount after the reopen', ws.retryCount, 1);
		const st = await next(ws, 'stable', 5000);
		c.eq('stable: retryCount reset', [st.retryCount, ws.retryCount, ws.state], [0, 0, 'open']);
		// No stable event for a connection that did not stay up.
		let stables = 0;
		ws.addEventListener('stable', () => stables++);
		ws.reconnect();
		ws.reconnect();
		await next(ws, 'open', 5000);
		await next(ws, 'stable', 5000);
		await sleep(400);
		c.eq('one stable event, for the connection that stayed up', stables, 1);
		ws.close();
	`)
}
