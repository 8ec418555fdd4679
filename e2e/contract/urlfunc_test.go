//go:build !js

package contract

import (
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testURLFunction: a URL function is called before every attempt and may
// return a Promise; one that throws, rejects, or gives something that is
// not a valid URL counts as a failed attempt (an error event, then
// backoff), never as an uncaught exception; url is the URL of the current
// attempt, with http: mapped to ws:.
func testURLFunction(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const opts = {heartbeatInterval: 0, minReconnectionDelay: 50, maxReconnectionDelay: 100};
		let n = 0;
		const ws = track(new WSBeat.Socket(() => new Promise(r => setTimeout(() => r(ECHO + '?n=' + (++n)), 20)), [], opts));
		c.eq('url before the first attempt resolved', ws.url, '');
		await next(ws, 'open');
		c.eq('a Promise of a URL', [n, ws.url], [1, ECHO + '?n=1']);
		const reopened = next(ws, 'open', 5000);
		await control('drop');
		await reopened;
		c.eq('called again before the next attempt', [n, ws.url], [2, ECHO + '?n=2']);
		ws.close();
		c.eq('url after close is the last one', ws.url, ECHO + '?n=2');

		// failing(kind) fails twice in the given way, then gives the echo
		// URL over http:.
		async function failing(kind, make) {
			let calls = 0;
			const s = track(new WSBeat.Socket(() => { calls++; return calls <= 2 ? make() : location.origin + '/echo?' + kind; }, [], opts));
			await next(s, 'open', 5000);
			const errs = s.log.filter(x => x.type === 'error');
			c.eq(kind + ': error events', errs.length, 2);
			c.ok(kind + ': each error holds an Error', errs.every(x => x.isError), errs);
			c.info[kind] = errs.map(x => x.error);
			const rcs = s.log.filter(x => x.type === 'reconnecting').map(x => x.attempt);
			c.eq(kind + ': then backoff', rcs, [1, 2]);
			c.eq(kind + ': closes before each retry', s.log.filter(x => x.type === 'close').map(x => [x.code, x.willReconnect]), [[1006, true], [1006, true]]);
			c.eq(kind + ': open on the third call, http: mapped', [calls, s.url, s.readyState], [3, ECHO + '?' + kind, 1]);
			s.close();
			return errs;
		}
		const thrown = await failing('throws', () => { throw new Error('token service down'); });
		c.ok('the thrown message is in the error', thrown.every(x => /token service down/.test(x.error)), thrown);
		const rejected = await failing('rejects', () => Promise.reject(new Error('no token')));
		c.ok('the rejection is in the error', rejected.every(x => /no token/.test(x.error)), rejected);
		await failing('bad-url', () => 'ftp://example.invalid/');
		await failing('not-a-string', () => Promise.resolve(42));
	`)
}
