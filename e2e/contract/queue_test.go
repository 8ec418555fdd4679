//go:build !js

package contract

import (
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// serverMessagesJS defines settled(n): the server's message log once it
// holds at least n messages and stayed the same for 200ms, so that a
// duplicate arriving late is seen too.
const serverMessagesJS = `
	async function settled(n) {
		let last = null;
		for (let i = 0; i < 250; i++) {
			const m = await serverMessages();
			if (m.length >= n && last !== null && JSON.stringify(m) === JSON.stringify(last)) return m;
			last = m.length >= n ? m : null;
			await sleep(m.length >= n ? 200 : 20);
		}
		return serverMessages();
	}
`

// testQueueWhileRefused: messages sent while the server refuses upgrades
// are queued and arrive once, in order, after it accepts again; what the
// page sends in its open handler goes first.
func testQueueWhileRefused(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	info := e.check(t, 30*time.Second, nil, serverMessagesJS+`
		await WSBeat.ready;
		// A slow backoff keeps the refused handshakes few: Chromium throttles
		// a host's WebSocket handshakes after about ten failures.
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 400, maxReconnectionDelay: 800}));
		await next(ws, 'open');
		await control('reset');
		const from = ws.log.length;
		// Refuse first, then drop, so that the immediate retry is refused.
		const closed = next(ws, 'close');
		await control('reject?ms=1500');
		await control('drop');
		await closed;
		const tDropped = performance.now();
		ws.onopen = () => ws.send('first');
		const want = [];
		const results = [];
		let bytes = 0;
		for (let i = 0; i < 20; i++) {
			const m = 'q' + i;
			want.push(m);
			bytes += m.length;
			results.push(ws.send(m));
		}
		c.eq('sends while refused are queued', results, Array(20).fill('queued'));
		c.eq('queuedMessages', ws.queuedMessages, 20);
		c.eq('bufferedAmount counts the queue', ws.bufferedAmount, bytes);
		await next(ws, 'open', 10000);
		c.info.openAfterMs = performance.now() - tDropped;
		const msgs = await settled(21);
		c.eq('after accepting again: first, then the queue, once, in order', msgs, ['first'].concat(want));
		const log = ws.log.slice(from);
		c.ok('attempts were refused meanwhile', log.filter(x => x.type === 'error').length >= 2, types(log));
		c.eq('the queue is empty', ws.queuedMessages, 0);
		const stats = await (await fetch('/control/stats')).json();
		c.ok('the server refused upgrades', stats.rejected >= 2, stats);
		c.info.rejected = stats.rejected;
		ws.close();
	`)
	logInfo(t, info)
}

// testOverflow: each overflow policy, for the engine's queue of a closed
// socket (startClosed: where a queue used to be wsbeat.js's own) and of a
// connecting one: drop-oldest drops the oldest and reports it,
// drop-newest returns "dropped" and reports the new message, throw throws
// and keeps the queue; the count and byte limits; and what stays queued is
// what is sent.
func testOverflow(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 60*time.Second, nil, serverMessagesJS+`
		await WSBeat.ready;
		// full(where, opts) returns a socket whose sends are held by the
		// engine: a startClosed socket ('js', where wsbeat.js once held
		// them itself) or one that is connecting. The checks that follow it run in the same task,
		// so the connecting socket cannot open before they are done.
		// (Failing handshakes on purpose would do too, but Chromium
		// throttles a host's WebSocket handshakes after about ten failures.)
		async function full(where, opts) {
			await control('reset');
			const o = Object.assign({heartbeatInterval: 0}, opts);
			const ws = track(new WSBeat.Socket(ECHO, [], Object.assign({startClosed: where === 'js'}, o)));
			c.eq(where + ': held by the engine', ws._id > 0, true);
			c.eq(where + ': state', ws.state, where === 'js' ? 'closed' : 'connecting');
			return ws;
		}
		// flush connects and returns what the server got.
		async function flush(where, ws, n) {
			if (where === 'js') ws.reconnect();
			await next(ws, 'open', 5000);
			const msgs = await settled(n);
			ws.close();
			return msgs;
		}
		const drops = (ws) => ws.log.filter(x => x.type === 'drop').map(x => [x.messages, x.reason]);
		for (const where of ['js', 'engine']) {
			const w = where + ' queue, ';

			let ws = await full(where, {maxEnqueuedMessages: 3, overflow: 'drop-oldest'});
			c.eq(w + 'drop-oldest: results', ['a', 'b', 'c', 'd'].map(m => ws.send(m)), ['queued', 'queued', 'queued', 'queued']);
			c.eq(w + 'drop-oldest: drop event', drops(ws), [[['a'], 'overflow']]);
			c.eq(w + 'drop-oldest: queuedMessages', ws.queuedMessages, 3);
			c.eq(w + 'drop-oldest: delivered', await flush(where, ws, 3), ['b', 'c', 'd']);

			ws = await full(where, {maxEnqueuedMessages: 3, overflow: 'drop-newest'});
			c.eq(w + 'drop-newest: results', ['a', 'b', 'c', 'd'].map(m => ws.send(m)), ['queued', 'queued', 'queued', 'dropped']);
			c.eq(w + 'drop-newest: drop event', drops(ws), [[['d'], 'overflow']]);
			c.eq(w + 'drop-newest: delivered', await flush(where, ws, 3), ['a', 'b', 'c']);

			ws = await full(where, {maxEnqueuedMessages: 3, overflow: 'throw'});
			c.eq(w + 'throw: results', ['a', 'b', 'c'].map(m => ws.send(m)), ['queued', 'queued', 'queued']);
			const err = caught(() => ws.send('d'));
			c.ok(w + 'throw: a full queue throws an Error', err && err.isError, err);
			c.eq(w + 'throw: no drop event', drops(ws), []);
			c.eq(w + 'throw: queue kept', ws.queuedMessages, 3);
			c.eq(w + 'throw: delivered', await flush(where, ws, 3), ['a', 'b', 'c']);

			// Bytes: 5 + 5 fill 10; 3 more drop the oldest; 11 never fit.
			ws = await full(where, {maxEnqueuedBytes: 10});
			c.eq(w + 'bytes: results', ['12345', '67890', 'abc', 'x'.repeat(11)].map(m => ws.send(m)), ['queued', 'queued', 'queued', 'dropped']);
			c.eq(w + 'bytes: drop events', drops(ws), [[['12345'], 'overflow'], [['x'.repeat(11)], 'overflow']]);
			c.eq(w + 'bytes: queued', [ws.queuedMessages, ws.bufferedAmount], [2, 8]);
			c.eq(w + 'bytes: delivered', await flush(where, ws, 2), ['67890', 'abc']);

			// maxEnqueuedMessages 0: nothing is held.
			ws = await full(where, {maxEnqueuedMessages: 0});
			c.eq(w + 'no queue: result', ws.send('gone'), 'dropped');
			c.eq(w + 'no queue: drop event', drops(ws), [[['gone'], 'overflow']]);
			ws.close();
		}
		await control('reset');
	`)
}

// testCloseDiscardsQueue: close() discards what is queued and reports it
// in a drop event before the close event, for both queues; none of it is
// sent later.
func testCloseDiscardsQueue(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 30*time.Second, nil, `
		await WSBeat.ready;
		await control('reset');
		for (const where of ['js', 'engine', 'reconnecting']) {
			// Held by the engine: closed (startClosed), connecting, or
			// waiting to retry after one refused attempt.
			if (where === 'reconnecting') await control('reject?ms=60000');
			const ws = track(new WSBeat.Socket(ECHO, [], {startClosed: where === 'js', heartbeatInterval: 0,
				minReconnectionDelay: 60000, maxReconnectionDelay: 60000}));
			if (where === 'reconnecting') {
				await next(ws, 'reconnecting', 5000);
				c.eq('reconnecting: state', ws.state, 'reconnecting');
			}
			ws.send('a');
			ws.send(new Uint8Array([1, 2]));
			ws.send('b');
			c.eq(where + ': held by the engine', ws._id > 0, true);
			const from = ws.log.length;
			ws.close(4000, 'bye');
			const log = ws.log.slice(from).filter(x => x.type === 'drop' || x.type === 'close');
			// A startClosed socket is closed already: close() only drops.
			c.eq(where + ': drop, then close', log.map(x => x.type), where === 'js' ? ['drop'] : ['drop', 'close']);
			c.eq(where + ': drop fields', log[0] && [log[0].messages, log[0].reason], [['a', 'Uint8Array', 'b'], 'closed']);
			if (where !== 'js') c.eq(where + ': final close', log[1] && log[1].willReconnect, false);
			c.eq(where + ': queue empty', [ws.queuedMessages, ws.bufferedAmount, ws.state], [0, 0, 'closed']);
			await control('reset');
			ws.reconnect();
			await next(ws, 'open', 5000);
			ws.send('after');
			await until(() => ws.bufferedAmount === 0);
			await sleep(100);
			c.eq(where + ': nothing discarded is sent later', await serverMessages(), ['after']);
			ws.close();
			await control('reset');
		}
	`)
}
