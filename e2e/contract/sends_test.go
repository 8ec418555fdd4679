//go:build !js

package contract

import (
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// sendsJS defines payloads(), every kind of data send() takes with the
// bytes the echo must bring back, and mutate(), which scribbles over the
// sources after they were sent, as a page reusing its buffers does.
const sendsJS = `
	function payloads() {
		const big = new Uint8Array(300).map((_, i) => i & 255);
		const ab = new Uint8Array([1, 2, 3, 250]).buffer;
		const sub = big.subarray(10, 20); // a view with an offset
		const i16 = new Int16Array([-1, 2, 300]);
		const dv = new DataView(big.buffer, 5, 7);
		const blob = new Blob([new Uint8Array([9, 8, 7]), 'xyz']);
		return {
			list: [['text', 'h\u00e9llo w\u00f6rld \ud83c\udf0d'], ['empty text', ''], ['ArrayBuffer', ab],
				['Uint8Array subarray', sub], ['Int16Array', i16], ['DataView', dv], ['Blob', blob]],
			want: ['h\u00e9llo w\u00f6rld \ud83c\udf0d', '', [1, 2, 3, 250], bytes(sub), bytes(i16), bytes(dv), [9, 8, 7, 120, 121, 122]],
			mutate() { new Uint8Array(ab).fill(0); big.fill(0); i16.fill(0); },
		};
	}
	async function plain(d) {
		if (typeof d === 'string') return d;
		if (d instanceof Blob) return ['Blob', bytes(await d.arrayBuffer())];
		return bytes(d);
	}
`

// testSends: text, ArrayBuffer, typed arrays, DataView and Blob come back
// intact, sent on an open connection ("sent"), held before the first one
// ("queued"), and held by the engine while reconnecting; held data is
// what it was when send() returned, as WebSocket copies it then.
func testSends(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 30*time.Second, nil, sendsJS+`
		await WSBeat.ready;
		async function roundTrip(name, ws, before) {
			const got = [];
			ws.onmessage = (e) => got.push(e.data);
			const p = payloads();
			if (before) await before(ws);
			const results = p.list.map(([, data]) => ws.send(data));
			p.mutate();
			if (ws.state !== 'open') {
				ws.reconnect();
				await next(ws, 'open', 5000);
			}
			await until(() => got.length === p.list.length, 5000, name + ': every echo back');
			for (let i = 0; i < p.list.length; i++) {
				const label = name + ': ' + p.list[i][0];
				c.eq(label, await plain(got[i]), p.want[i]);
				if (typeof p.want[i] !== 'string') c.ok(label + ' arrives as an ArrayBuffer', got[i] instanceof ArrayBuffer, Object.prototype.toString.call(got[i]));
			}
			return results;
		}
		const opts = {heartbeatInterval: 0, binaryType: 'arraybuffer', minReconnectionDelay: 100, maxReconnectionDelay: 200};

		const open = new WSBeat.Socket(ECHO, [], opts);
		await next(open, 'open');
		c.eq('send on an open socket returns "sent"', await roundTrip('open', open), Array(7).fill('sent'));
		open.close();

		const held = new WSBeat.Socket(ECHO, [], Object.assign({startClosed: true}, opts));
		c.eq('send before the first connection returns "queued"', await roundTrip('before open', held), Array(7).fill('queued'));
		held.close();

		const engineQueue = new WSBeat.Socket(ECHO, [], opts);
		await next(engineQueue, 'open');
		const results = await roundTrip('while reconnecting', engineQueue, async (ws) => {
			const closed = next(ws, 'close');
			await control('reject?ms=500');
			await control('drop');
			await closed;
		});
		c.eq('send while reconnecting returns "queued"', results, Array(7).fill('queued'));
		engineQueue.close();

		// Default binaryType: Blob.
		const blobs = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		await next(blobs, 'open');
		const got = next(blobs, 'message');
		blobs.send(new Uint8Array([5, 6, 7]));
		const data = (await got).data;
		c.ok('binary arrives as a Blob by default', data instanceof Blob, Object.prototype.toString.call(data));
		c.eq('Blob content', await plain(data), ['Blob', [5, 6, 7]]);
		blobs.close();
	`)
}

// testBinaryType: binaryType is read/write, ignores values WebSocket
// ignores, and is kept across reconnects, whether set before, during or
// between connections.
func testBinaryType(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const ws = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, binaryType: 'arraybuffer', minReconnectionDelay: 50, maxReconnectionDelay: 100});
		async function kindOfEcho() {
			const got = next(ws, 'message');
			ws.send(new Uint8Array([1, 2]));
			return kind((await got).data);
		}
		c.eq('option binaryType', ws.binaryType, 'arraybuffer');
		await next(ws, 'open');
		c.eq('arraybuffer', await kindOfEcho(), 'ArrayBuffer');
		ws.binaryType = 'blob';
		c.eq('set while open', [ws.binaryType, await kindOfEcho()], ['blob', 'Blob']);
		ws.binaryType = 'text';
		c.eq('an unknown value is ignored', ws.binaryType, 'blob');

		let reopened = next(ws, 'open', 5000);
		await control('drop');
		await reopened;
		c.eq('kept across a reconnect after a drop', [ws.binaryType, await kindOfEcho()], ['blob', 'Blob']);

		ws.binaryType = 'arraybuffer';
		reopened = next(ws, 'open', 5000);
		ws.reconnect();
		await reopened;
		c.eq('kept across reconnect()', [ws.binaryType, await kindOfEcho()], ['arraybuffer', 'ArrayBuffer']);

		// Set between connections.
		reopened = next(ws, 'open', 5000);
		const closed = next(ws, 'close');
		await control('reject?ms=300');
		await control('drop');
		await closed;
		ws.binaryType = 'blob';
		await reopened;
		c.eq('set while reconnecting', [ws.binaryType, await kindOfEcho()], ['blob', 'Blob']);

		// Set while closed, then restarted.
		ws.close();
		await next(ws, 'close');
		ws.binaryType = 'arraybuffer';
		ws.reconnect();
		await next(ws, 'open');
		c.eq('set while closed', [ws.binaryType, await kindOfEcho()], ['arraybuffer', 'ArrayBuffer']);
		ws.close();
	`)
}

// testMethods: what send, close and reconnect do in each state.
func testMethods(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 50, maxReconnectionDelay: 100}));
		c.eq('send while connecting', ws.send('early'), 'queued');
		const first = next(ws, 'message');
		await next(ws, 'open');
		c.eq('queued message echoed after open', (await first).data, 'early');
		c.eq('send while open', ws.send('now'), 'sent');

		// reconnect(code, reason) while open: a clean close that will
		// reconnect, then a new connection with the retry count reset.
		let from = ws.log.length;
		ws.reconnect(4321, 'again');
		c.eq('reconnect() is connecting at once', [ws.state, ws.readyState], ['connecting', 0]);
		const re = await next(ws, 'open');
		const ce = ws.log.slice(from).find(x => x.type === 'close');
		c.eq('reconnect(code, reason) close event', ce && [ce.code, ce.reason, ce.wasClean, ce.willReconnect], [4321, 'again', true, true]);
		c.eq('reconnect() resets the retry count', [re.retryCount, ws.retryCount], [0, 0]);

		// close(): code and reason reach the event; close twice is a no-op.
		from = ws.log.length;
		ws.close(4002, 'done');
		ws.close(4003, 'again');
		const fin = await next(ws, 'close');
		c.eq('close(code, reason)', [fin.code, fin.reason, fin.wasClean, fin.willReconnect], [4002, 'done', true, false]);
		await sleep(50);
		c.eq('one close event for two close() calls', ws.log.slice(from).filter(x => x.type === 'close').length, 1);

		// close() while connecting ends the attempt.
		const conn = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0}));
		conn.close();
		c.eq('close() while connecting', [conn.state, conn.readyState], ['closed', 3]);
		const cc = conn.log.find(x => x.type === 'close');
		c.eq('close() while connecting: close event', cc && [cc.willReconnect], [false]);
		await sleep(100);
		c.ok('no open after close() while connecting', !conn.log.some(x => x.type === 'open'), types(conn.log));

		// reconnect() after close() starts again; send works.
		ws.reconnect();
		await next(ws, 'open');
		const back = next(ws, 'message');
		c.eq('send after reconnect()', ws.send('back'), 'sent');
		c.eq('echo after reconnect()', (await back).data, 'back');
		ws.close();

		// reconnect() while waiting to retry: connects now.
		const slow = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 60000, maxReconnectionDelay: 60000}));
		await next(slow, 'open');
		const waiting = next(slow, 'reconnecting', 5000, e => e.attempt >= 2);
		await control('reject?ms=60000');
		await control('drop');
		await waiting;
		await control('reset');
		slow.reconnect();
		c.eq('reconnect() while waiting starts an attempt at once', slow.state, 'connecting');
		const so = await next(slow, 'open', 5000);
		c.eq('and resets the retry count', so.retryCount, 0);
		slow.close();
	`)
}
