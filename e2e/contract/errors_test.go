//go:build !js

package contract

import (
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testErrors: every error of the contract other than options, each with
// the DOMException name WebSocket uses, and the same name WebSocket itself
// throws for the same arguments.
func testErrors(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		await WSBeat.ready;
		const sockets = WSBeat.stats().sockets;

		// A bad URL is a SyntaxError naming the URL, as WebSocket's.
		for (const u of ['ftp://example.invalid/', ECHO + '#fragment', 'http://[::1', 'javascript:void(0)', 'mailto:a@example.invalid']) {
			const err = c.throws('URL ' + u, () => new WSBeat.Socket(u), 'SyntaxError', [u]);
			c.ok('URL ' + u + ' is a DOMException', err && err.isDOMException, err);
			const native = caught(() => new WebSocket(u));
			c.eq('URL ' + u + ' fails as WebSocket does', native && native.name, 'SyntaxError');
		}
		c.throws('URL 42', () => new WSBeat.Socket(42), 'SyntaxError');
		c.throws('URL null', () => new WSBeat.Socket(null), 'SyntaxError');
		c.throws('no URL', () => new WSBeat.Socket(), 'TypeError');
		c.throws('protocol with a space', () => new WSBeat.Socket(ECHO, 'a b'), 'SyntaxError', ['a b']);
		c.throws('duplicate protocol', () => new WSBeat.Socket(ECHO, ['chat', 'chat']), 'SyntaxError', ['chat']);
		c.throws('protocols not strings', () => new WSBeat.Socket(ECHO, [42]), 'SyntaxError');
		c.eq('no socket made by a throwing constructor', WSBeat.stats().sockets, sockets);

		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0}));
		c.throws('send() without data while connecting', () => ws.send(), 'TypeError');
		await next(ws, 'open');
		const raw = new WebSocket(ECHO);
		await next(raw, 'open');
		c.throws('send() without data while open', () => ws.send(), 'TypeError');
		c.eq('WebSocket agrees on send()', (caught(() => raw.send()) || {}).name, 'TypeError');

		// Bad close codes: InvalidAccessError, for close() and reconnect(),
		// exactly where WebSocket's close() throws.
		for (const code of [0, 999, 1001, 1005, 1006, 1015, 2999, 2999.9, 5000, 65535, 70000, -1, NaN, 'abc', null, {}, true]) {
			const name = 'close(' + String(code) + ')';
			const err = c.throws(name, () => ws.close(code), 'InvalidAccessError');
			c.ok(name + ' is a DOMException', err && err.isDOMException, err);
			// Firefox's own close() takes 2999.9 as 3000 (WebIDL [Clamp]);
			// Chromium's and WebKit's throw, and wsbeat throws in all three.
			const native = caught(() => raw.close(code));
			if (code !== 2999.9) c.eq(name + ' throws as WebSocket does', native && native.name, 'InvalidAccessError');
			c.throws('reconnect(' + String(code) + ')', () => ws.reconnect(code), 'InvalidAccessError');
		}
		// Long reasons: SyntaxError; the limit is 123 UTF-8 bytes.
		for (const [label, reason] of [['124 ASCII bytes', 'x'.repeat(124)], ['42 euro signs (126 bytes)', '\u20ac'.repeat(42)]]) {
			c.throws('close reason of ' + label, () => ws.close(1000, reason), 'SyntaxError');
			c.eq('WebSocket agrees on ' + label, (caught(() => raw.close(1000, reason)) || {}).name, 'SyntaxError');
			c.throws('reconnect reason of ' + label, () => ws.reconnect(4000, reason), 'SyntaxError');
		}
		c.eq('the socket is untouched by the throwing calls', [ws.state, types(ws.log)], ['open', ['statechange', 'open']]);

		// What WebSocket accepts, wsbeat accepts: a numeric string, a
		// fraction, a reason of exactly 123 bytes.
		const reason = '\u20ac'.repeat(41);
		ws.close('4001', reason);
		const ce = await next(ws, 'close');
		c.eq('close("4001", 123 bytes) closes', [ce.code, ce.reason, ce.wasClean, ce.willReconnect], [4001, reason, true, false]);
		raw.close();

		// Send after close: InvalidStateError, at once and after the close
		// event, text and binary alike.
		c.throws('send after close', () => ws.send('x'), 'InvalidStateError');
		c.throws('send binary after close', () => ws.send(new Uint8Array(1)), 'InvalidStateError');
		const fraction = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		await next(fraction, 'open');
		fraction.close(3000.7);
		c.eq('close(3000.7) uses 3000', (await next(fraction, 'close')).code, 3000);

		// close() inside an open handler: the close is still being
		// delivered, yet send must already throw.
		const inOpen = new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0});
		let fromHandler = 'not called';
		inOpen.onopen = () => {
			inOpen.close();
			fromHandler = caught(() => inOpen.send('after close in onopen'));
		};
		await next(inOpen, 'close');
		c.eq('send after close() in onopen', fromHandler && fromHandler.name, 'InvalidStateError');

		// Never connected: startClosed, closed before ready.
		const never = new WSBeat.Socket(ECHO, [], {startClosed: true});
		never.close();
		c.throws('send after close of a never-started socket', () => never.send('x'), 'InvalidStateError');

		// reconnect() undoes close(): sends work again.
		ws.reconnect();
		await next(ws, 'open');
		c.eq('send after reconnect', ws.send('again'), 'sent');
		ws.close();
		const messages = await serverMessages();
		c.ok('nothing sent after close reached the server', !messages.some(m => m.indexOf('after close') >= 0 || m === 'x'), messages);
	`)
}

// badOptions has a bad value for every option of the contract's table. A
// test fails when the table and the defaults of wsbeat.js differ, so a
// new option cannot go unchecked.
var badOptions = []struct {
	Name  string `json:"name"`
	Value string `json:"value"` // a JS expression
	Shown string `json:"shown"` // how the message must show it
	Error string `json:"error"` // TypeError for the wrong type, RangeError for a number out of range
}{
	{"minReconnectionDelay", "-1", "-1", "RangeError"},
	{"maxReconnectionDelay", "'soon'", `"soon"`, "TypeError"},
	{"reconnectionDelayGrowFactor", "0.5", "0.5", "RangeError"},
	{"minUptime", "NaN", "NaN", "RangeError"},
	{"connectionTimeout", "0", "0", "RangeError"},
	{"maxRetries", "-1", "-1", "RangeError"},
	{"maxEnqueuedMessages", "1.5", "1.5", "RangeError"},
	{"maxEnqueuedBytes", "'1MB'", `"1MB"`, "TypeError"},
	{"overflow", "'grow'", `"grow"`, "TypeError"},
	{"heartbeatInterval", "-5", "-5", "RangeError"},
	{"heartbeatTimeout", "Infinity", "Infinity", "RangeError"},
	{"heartbeatMessage", "42", "42", "TypeError"},
	{"heartbeatResponse", "7", "7", "TypeError"},
	{"shouldReconnect", "true", "true", "TypeError"},
	{"startClosed", "'yes'", `"yes"`, "TypeError"},
	{"binaryType", "'text'", `"text"`, "TypeError"},
	{"debug", "'verbose'", `"verbose"`, "TypeError"},
}

// testBadOptions: each option with a bad value throws a TypeError (a
// value of the wrong type) or a RangeError (a number out of range) with
// code ERR_INVALID_OPTION, whose message names the option, the value and
// what is allowed, and creates no socket; good edge values are accepted.
func testBadOptions(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, badOptions, `
		await WSBeat.ready;
		const sockets = WSBeat.stats().sockets;
		c.eq('every option has a bad value', P.map(o => o.name).sort(), Object.keys(WSBeat.defaults).sort());
		for (const o of P) {
			const value = (0, eval)('(' + o.value + ')');
			const err = c.throws('option ' + o.name + ' = ' + o.value, () => new WSBeat.Socket(ECHO, [], {[o.name]: value}), o.error, [o.name, o.shown]);
			c.ok('option ' + o.name + ': the message says what is allowed', err && /must|allowed/.test(err.message), err && err.message);
			c.eq('option ' + o.name + ': code', err && err.code, WSBeat.errors.INVALID_OPTION);
			// The same with every other option valid and set.
			c.throws('option ' + o.name + ' among valid ones', () => new WSBeat.Socket(ECHO, null, Object.assign({}, WSBeat.defaults, {[o.name]: value})), o.error, [o.name]);
		}
		c.throws('an unknown option', () => new WSBeat.Socket(ECHO, [], {maxRetry: 3}), 'TypeError', ['maxRetry']);
		c.throws('options not an object', () => new WSBeat.Socket(ECHO, [], 5), 'TypeError');
		c.eq('no socket made by a bad option', WSBeat.stats().sockets, sockets);

		// Edge values that are allowed.
		const good = [
			{maxRetries: Infinity}, {maxRetries: 0}, {heartbeatInterval: 0}, {heartbeatResponse: null},
			{debug: () => {}}, {debug: true}, {heartbeatMessage: () => 'ping'}, {shouldReconnect: () => false},
			{overflow: 'drop-oldest'}, {overflow: 'drop-newest'}, {overflow: 'throw'}, {binaryType: 'arraybuffer'},
			// As reconnecting-websocket: the maximum then caps every delay.
			{minReconnectionDelay: 2000, maxReconnectionDelay: 1000},
			{maxEnqueuedMessages: 0}, {maxEnqueuedBytes: Infinity}, {minReconnectionDelay: 0, maxReconnectionDelay: 0},
			{reconnectionDelayGrowFactor: 1}, {shouldReconnect: undefined}, Object.assign({}, WSBeat.defaults),
		];
		for (const o of good) {
			const err = caught(() => new WSBeat.Socket(ECHO, [], Object.assign({startClosed: true}, o)).close());
			c.eq('accepts ' + JSON.stringify(o, (k, v) => typeof v === 'function' ? 'fn' : v === Infinity ? 'Infinity' : v), err, null);
		}
	`)
}

// testErrorCodes: every error wsbeat throws or reports has a stable code
// from WSBeat.errors, whatever its constructor: the checks of the page's
// arguments, the engine's refusals, and the errors of error events.
func testErrorCodes(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 30*time.Second, nil, `
		await WSBeat.ready;
		const E = WSBeat.errors;
		c.eq('codes are their names', Object.keys(E).every(k => E[k] === 'ERR_' + k), true);
		c.ok('WSBeat.errors is frozen', Object.isFrozen(E));
		const code = (fn) => (caught(fn) || {}).code;
		c.eq('bad URL', code(() => new WSBeat.Socket('ftp://example.invalid/')), E.INVALID_URL);
		c.eq('URL not a string', code(() => new WSBeat.Socket(42)), E.INVALID_URL);
		c.eq('no URL', code(() => new WSBeat.Socket()), E.INVALID_ARGUMENT);
		c.eq('bad subprotocol', code(() => new WSBeat.Socket(ECHO, 'a b')), E.INVALID_PROTOCOL);
		c.eq('bad option', code(() => new WSBeat.Socket(ECHO, [], {overflow: 'grow'})), E.INVALID_OPTION);
		const ws = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, startClosed: true}));
		c.eq('send() without data', code(() => ws.send()), E.INVALID_ARGUMENT);
		c.eq('bad close code', code(() => ws.close(999)), E.INVALID_CLOSE_CODE);
		c.eq('close reason too long', code(() => ws.close(1000, 'x'.repeat(124))), E.INVALID_CLOSE_REASON);
		ws.close();
		const closed = caught(() => ws.send('x'));
		c.eq('send after close', [closed.name, closed.code], ['InvalidStateError', E.CLOSED]);

		// A full queue with overflow "throw": the engine refuses.
		const full = track(new WSBeat.Socket(ECHO, [], {startClosed: true, maxEnqueuedMessages: 1, overflow: 'throw'}));
		full.send('a');
		const quota = caught(() => full.send('b'));
		c.eq('full queue', [quota.name, quota.isDOMException, quota.code], ['QuotaExceededError', true, E.QUEUE_FULL]);
		full.close();

		// Errors of error events.
		const errorCode = async (ws) => (await next(ws, 'error', 5000)).error.code;
		const fn = track(new WSBeat.Socket(() => { throw new Error('no token'); }, [], {maxRetries: 0}));
		c.eq('a URL function that throws', await errorCode(fn), E.URL_FUNCTION);
		fn.close();
		await control('reject?ms=2000');
		const refused = track(new WSBeat.Socket(ECHO, [], {maxRetries: 0}));
		c.eq('a refused upgrade', await errorCode(refused), E.WEBSOCKET);
		refused.close();
		await control('reset');
		const hb = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 200, heartbeatTimeout: 300, maxRetries: 0}));
		await next(hb, 'open', 5000);
		await control('silence');
		c.eq('a heartbeat timeout', await errorCode(hb), E.HEARTBEAT_TIMEOUT);
		hb.close();
		await control('reset');
	`)
}
