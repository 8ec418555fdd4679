//go:build !js

package contract

import (
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// engineFuncs are the functions the Go engine exports to wsbeat.js.
var engineFuncs = []string{"close", "closed", "create", "failed", "get", "opened", "page", "pong", "reconnect", "release", "send", "stats"}

// testGuard calls every function the engine exports with arguments of the
// wrong types, unknown socket ids and absurd numbers, directly (guard.html
// keeps the engine object). Each call must return or throw an Error, never
// kill the Go program; bad options given straight to the engine are
// TypeErrors naming the option; afterwards the engine still works and
// holds no extra sockets.
func testGuard(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "guard.html")
	info := e.check(t, 0, map[string]any{"funcs": engineFuncs, "badOptions": badOptions}, `
		await WSBeat.ready;
		c.eq('exported functions', Object.keys(engine).filter(k => typeof engine[k] === 'function').sort(), P.funcs);
		c.eq('every code the engine gives is in WSBeat.errors', engine.errorCodes.filter(x => Object.values(WSBeat.errors).indexOf(x) < 0), []);
		const ws = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		await next(ws, 'open');
		const before = WSBeat.stats();
		const id = ws._id;
		c.ok('a live socket id', typeof id === 'number' && id > 0, id);

		let calls = 0, errors = 0;
		const kinds = {};
		// expectError calls engine[fn](...args) and checks that it returns
		// or throws an Error.
		function expectError(fn, args, label) {
			calls++;
			let r, threw = false;
			try { r = engine[fn].apply(engine, args); } catch (e) { r = e; threw = true; }
			if (r instanceof Error) {
				errors++;
				kinds[r.name] = (kinds[r.name] || 0) + 1;
			} else {
				c.fails.push(fn + '(' + label + '): ' + (threw ? 'threw' : 'returned') + ' ' + String(r) + ', want an Error');
			}
		}
		const bad = [
			['', []], ['"1"', ['1']], ['{}', [{}]], ['null', [null]], ['undefined', [undefined]], ['99999', [99999]],
			['1e300', [1e300]], ['-1', [-1]], ['0', [0]], ['NaN', [NaN]], ['Infinity', [Infinity]], ['-Infinity', [-Infinity]],
			['true', [true]], ['[]', [[]]], ['fn', [() => id]], ['Symbol', [Symbol('id')]], ['BigInt', [BigInt(id)]],
			['"id"', [String(id)]], ['[id]', [[id]]],
		];
		for (const fn of P.funcs) {
			if (fn === 'stats' || fn === 'page') continue;
			for (const [label, args] of bad) expectError(fn, args, label);
		}
		const opts = Object.assign({}, WSBeat.defaults);
		const sock = {event() {}, dial() {}, detach() {}, resolveURL() {}, ping() {}, shouldReconnect() {}, log() {}};
		for (const [fn, args, label] of [
			['send', [id], 'id'], ['send', [id, 'x'], 'id, data'], ['send', [id, 'x', 'big', true], 'size "big"'],
			['send', [id, 'x', {}, true], 'size {}'], ['send', [id, 'x', 1n, true], 'size BigInt'],
			['get', [id], 'id'], ['get', [id, 42], 'name 42'], ['get', [id, 'nope'], 'name "nope"'], ['get', [id, Symbol('x')], 'name Symbol'],
			['create', [sock], 'port only'], ['create', [5, ECHO, [], opts, []], 'port 5'],
			['create', [sock, 5, [], opts, []], 'url 5'], ['create', [sock, 'ftp://example.invalid/', [], opts, []], 'url ftp:'],
			['create', [sock, ECHO, [1], opts, []], 'protocols [1]'], ['create', [sock, ECHO, 'chat', opts, []], 'protocols "chat"'],
			['create', [sock, ECHO, {length: 1e9}, opts, []], 'protocols {length: 1e9}'],
			['create', [sock, ECHO, [], null, []], 'options null'], ['create', [sock, ECHO, [], {}, []], 'options {}'],
			['create', [sock, ECHO, [], 'opts', []], 'options "opts"'],
			['create', [sock, ECHO, [], opts, {length: 1e9}], 'calls {length: 1e9}'], ['create', [sock, ECHO, [], opts, [5]], 'calls [5]'],
			['create', [sock, ECHO, [], opts, [['explode']]], 'calls [["explode"]]'], ['create', [sock, ECHO, [], opts, [['send', 'x', 'big']]], 'calls send without a size'],
			['page', [], 'nothing'], ['page', ['sideways'], '"sideways"'], ['page', [{}], '{}'],
		]) expectError(fn, args, label);

		// Every option, bad, straight to the engine: a TypeError that
		// names it.
		for (const o of P.badOptions) {
			if (o.name === 'shouldReconnect' || o.name === 'debug' || o.name === 'startClosed' || o.name === 'binaryType') continue; // JS-only options
			const value = (0, eval)('(' + o.value + ')');
			let r;
			try { r = engine.create(sock, ECHO, [], Object.assign({}, opts, {[o.name]: value}), []); } catch (e) { r = e; }
			calls++;
			if (r instanceof TypeError && r.message.indexOf(o.name) >= 0 && r.code === 'ERR_INVALID_OPTION') errors++;
			else c.fails.push('create with ' + o.name + ' = ' + o.value + ': got ' + String(r) + ', want a TypeError naming it, code ERR_INVALID_OPTION');
		}

		c.eq('every bad call gave an Error', errors, calls);
		c.info.calls = calls;
		c.info.kinds = kinds;
		c.eq('stats ignores arguments', typeof engine.stats('x', {}), 'object');

		// WebSocket events of a generation other than the current one are
		// stale: they reach nothing, and the socket stays open.
		for (const gen of [0, -1, ws._port.gen - 1, ws._port.gen + 1, 'x']) {
			engine.opened(id, gen, 'p', 'e');
			engine.failed(id, gen);
			engine.closed(id, gen, 1006, 'stale', false);
		}
		c.eq('readyState after stale events', ws.readyState, 1);

		// The engine still works: the open socket echoes, a new one too,
		// and the bad calls left no socket behind.
		const echo = next(ws, 'message');
		ws.send('still here');
		c.eq('the open socket echoes', (await echo).data, 'still here');
		const fresh = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		await next(fresh, 'open');
		const echo2 = next(fresh, 'message');
		fresh.send('fresh');
		c.eq('a new socket echoes', (await echo2).data, 'fresh');
		c.eq('sockets', WSBeat.stats().sockets, before.sockets + 1);
		fresh.close();
		ws.close();

		// A socket that gave up (maxRetries 0, nothing listening) keeps its
		// Go socket while the page may still reconnect() it; release(id),
		// which the FinalizationRegistry calls once the page dropped it,
		// frees it. close() frees it at once too.
		await until(() => WSBeat.stats().sockets === before.sockets - 1, 5000, 'the closed sockets to be released');
		const base = WSBeat.stats().sockets;
		const gaveUp = track(new WSBeat.Socket('ws://127.0.0.1:1/', [], {maxRetries: 0}));
		await next(gaveUp, 'close', 5000, (e) => !e.willReconnect);
		c.eq('a socket that gave up keeps its Go socket', [gaveUp.state, WSBeat.stats().sockets], ['closed', base + 1]);
		c.eq('send() on it still queues in Go', gaveUp.send('later'), 'queued');
		const gid = gaveUp._id;
		engine.release(gid);
		c.eq('release(id) frees it', WSBeat.stats().sockets, base);
		c.ok('a released id is gone', engine.get(gid, 'retryCount') instanceof DOMException);
		const other = track(new WSBeat.Socket('ws://127.0.0.1:1/', [], {maxRetries: 0}));
		await next(other, 'close', 5000, (e) => !e.willReconnect);
		other.close();
		c.eq('close() on a socket that gave up frees it', [WSBeat.stats().sockets, other._id], [base, 0]);
	`)
	t.Logf("guard: %v bad calls, every one an Error (%v)", info["calls"], info["kinds"])
}
