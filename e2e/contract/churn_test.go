//go:build !js

package contract

import (
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// churnRounds is how many times each way of reconnecting is repeated.
const churnRounds = 200

// testChurn reconnects churnRounds times with reconnect() and as many
// times after the server drops the connection, and a URL-function socket a
// quarter as often, then closes: the engine's live js.Func and goroutine
// counts must return to where they started, and the browser must hold no
// WebSocket open. A reconnect costs at most 12 calls between JS and Go
// (docs/internals.md).
func testChurn(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	info := e.check(t, 90*time.Second, churnRounds, `
		await WSBeat.ready;
		await sleep(200);
		const start = WSBeat.stats();
		const opts = {heartbeatInterval: 0, minReconnectionDelay: 0, maxReconnectionDelay: 10, minUptime: 0};
		const ws = new WSBeat.Socket(ECHO, [], opts);
		await next(ws, 'open');
		c.info.openStats = WSBeat.stats();

		const t0 = performance.now();
		const c0 = WSBeat.stats();
		for (let i = 0; i < P; i++) {
			const opened = next(ws, 'open', 5000);
			ws.reconnect();
			await opened;
		}
		const c1 = WSBeat.stats();
		const t1 = performance.now();
		// Crossings per reconnect (docs/internals.md counts ten); the
		// stats() call itself is one.
		c.info.crossingsPerReconnect = {jsToGo: (c1.jsToGo - c0.jsToGo - 1) / P, goToJS: (c1.goToJS - c0.goToJS) / P};
		c.ok('JS⇄Go crossings per reconnect at most 12', (c1.jsToGo - c0.jsToGo - 1 + c1.goToJS - c0.goToJS) / P <= 12, c.info.crossingsPerReconnect);
		for (let i = 0; i < P; i++) {
			const opened = next(ws, 'open', 5000);
			await control('drop');
			await opened;
		}
		const t2 = performance.now();
		let n = 0;
		const fn = new WSBeat.Socket(() => Promise.resolve(ECHO + '?n=' + (++n)), [], opts);
		await next(fn, 'open');
		for (let i = 0; i < P / 4; i++) {
			const opened = next(fn, 'open', 5000);
			fn.reconnect();
			await opened;
		}
		c.eq('the URL function ran before every attempt', [n, fn.url], [P / 4 + 1, ECHO + '?n=' + (P / 4 + 1)]);
		c.info.peak = WSBeat.stats();

		const echo = next(ws, 'message');
		ws.send('alive');
		c.eq('still echoes', (await echo).data, 'alive');
		const closed = Promise.all([next(ws, 'close'), next(fn, 'close')]);
		ws.close();
		fn.close();
		await closed;

		// Settle: timers and goroutines that were already on their way out.
		let end;
		for (let i = 0; i < 100; i++) {
			end = WSBeat.stats();
			if (end.funcs === start.funcs && end.goroutines === start.goroutines && end.sockets === start.sockets) break;
			await sleep(50);
		}
		c.eq('live js.Funcs back to the start', end.funcs, start.funcs);
		c.eq('goroutines back to the start', end.goroutines, start.goroutines);
		c.eq('engine sockets back to the start', end.sockets, start.sockets);
		let open;
		for (let i = 0; i < 100; i++) {
			open = (await (await fetch('/control/stats')).json()).open;
			if (open === 0) break;
			await sleep(50);
		}
		c.eq('WebSockets left open at the server', open, 0);
		c.info.start = start;
		c.info.end = end;
		c.info.reconnectMs = (t1 - t0) / P;
		c.info.dropMs = (t2 - t1) / P;
	`)
	logInfo(t, info)
}
