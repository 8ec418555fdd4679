//go:build !js

package contract

import (
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testBeforeReady: a page that constructs sockets and sends before
// WSBeat.ready resolves (early.html) gets CONNECTING sockets whose sends
// are queued and go out once the engine runs, after what its open handler
// sends; a socket closed before then never connects. The close of a
// socket closed before ready is decided by the engine once it runs, like
// every state change: until then the socket stays CONNECTING.
func testBeforeReady(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "early.html")
	info := e.check(t, 0, nil, serverMessagesJS+`
		c.eq('stats before the engine runs', early.stats, null);
		c.eq('startupMs before the engine runs', early.startupMs, null);
		c.eq('properties before ready', early.props, {readyState: 0, state: 'connecting', url: ECHO});
		c.eq('sends before ready', early.sends, ['queued', 'queued', 'queued']);
		c.eq('queuedMessages and bufferedAmount before ready', early.queued, [3, 7]);
		await WSBeat.ready;
		await until(() => early.log.length === 4, 5000, 'four echoes');
		c.eq('echoes: the open handler first, then the queue in order', early.log, ['from onopen', 'e1', 'binary', 'e2']);
		c.eq('server order', await settled(4), ['from onopen', 'e1', '<binary 3 bytes>', 'e2']);
		c.ok('ready resolved before the socket opened', early.readyAt !== null && early.readyAt <= early.openAt, [early.readyAt, early.openAt]);
		c.eq('open.retryCount', early.openRetryCount, 0);
		c.eq('closed before ready: drop then close, no open', early.events,
			[['drop', ['never'], 'closed', null], ['statechange', null, null, null], ['close', null, '', false]]);
		c.eq('closed before ready: state until the engine runs', early.goneState, 'connecting');
		c.eq('closed before ready: state once it ran', gone.state, 'closed');
		const stats = await (await fetch('/control/stats')).json();
		c.eq('one connection accepted', stats.accepted, 1);
		c.info.startupMs = WSBeat.startupMs;
	`)
	t.Logf("WSBeat.startupMs on a page that made sockets before ready: %.1f ms", info["startupMs"])
}

// testMissingWasm: WSBeat.load pointed at a missing wasm rejects ready with
// an Error, and every socket, made before or after, reports an error and
// closes 1006 for good; what it had queued is dropped; reconnect() fails
// the same way; nothing hangs or goes uncaught.
func testMissingWasm(t *testing.T, b *browsertest.Browser) {
	exec := openPage(t, b, "missing.html?missing=exec")
	exec.check(t, 0, nil, `
		await until(() => fail.ready !== undefined, 10000, 'ready to settle');
		c.eq('missing wasm_exec.js: ready', fail.ready, 'rejected');
		c.ok('missing wasm_exec.js: the Error names the file', fail.readyError.isError && /nope\.js/.test(fail.readyError.message), fail.readyError);
		await until(() => fail.events.some(x => x.type === 'close'), 5000, 'the close event');
		c.eq('missing wasm_exec.js: events', fail.events.map(x => x.type), ['error', 'drop', 'statechange', 'close']);
	`)

	e := openPage(t, b, "missing.html")
	e.check(t, 0, nil, `
		await until(() => fail.ready !== undefined, 10000, 'ready to settle');
		c.eq('ready', fail.ready, 'rejected');
		c.ok('ready rejects with an Error naming the file', fail.readyError.isError && /nope\.wasm/.test(fail.readyError.message), fail.readyError);
		c.ok('load() returns ready', fail.sameAsReady);
		c.eq('a second load() throws', fail.loadTwice, 'Error');
		c.eq('send before the failure', fail.send, 'queued');
		await until(() => fail.events.some(x => x.type === 'close'), 5000, 'the close event');
		const ev = fail.events.map(x => x.type);
		c.eq('events', ev, ['error', 'drop', 'statechange', 'close']);
		const by = (t) => fail.events.find(x => x.type === t);
		c.ok('error holds an Error', by('error').isError);
		c.eq('drop', [by('drop').messages, by('drop').reason], [['lost'], 'closed']);
		c.eq('statechange', by('statechange').state, 'closed');
		c.eq('close', [by('close').code, by('close').wasClean, by('close').willReconnect], [1006, false, false]);
		c.eq('socket state', [ws.readyState, ws.state], [3, 'closed']);
		c.eq('stats without an engine', WSBeat.stats(), null);

		const late = track(new WSBeat.Socket(ECHO));
		c.eq('a socket made after the failure starts CONNECTING', late.readyState, 0);
		const lc = await next(late, 'close', 5000);
		c.eq('and closes', [lc.code, lc.willReconnect, types(late.log)], [1006, false, ['error', 'statechange', 'close']]);

		track(ws);
		ws.reconnect();
		const rc = await next(ws, 'close', 5000);
		c.eq('reconnect() fails the same way', [rc.code, rc.willReconnect, types(ws.log)], [1006, false, ['statechange', 'error', 'statechange', 'close']]);
		c.eq('close() on a failed socket is quiet', caught(() => ws.close()), null);
		c.throws('send after that close()', () => ws.send('x'), 'InvalidStateError');
	`)
}

// testEngineExit: the Go program exits before it starts (ready rejects,
// sockets close 1006 with an error) or while sockets are open (each
// reports an error and closes 1006 for good, its WebSocket is closed and
// delivers nothing more, and calls into the dead program stay quiet).
func testEngineExit(t *testing.T, b *browsertest.Browser) {
	t.Run("BeforeStart", func(t *testing.T) {
		e := openPage(t, b, "exit.html?when=boot")
		e.check(t, 0, nil, `
			await until(() => exitLog.ready !== undefined, 10000, 'ready to settle');
			c.eq('ready', exitLog.ready, 'rejected');
			c.ok('ready rejects with an Error', exitLog.readyError.isError, exitLog.readyError);
			c.info.readyError = exitLog.readyError.message;
			await until(() => exitLog.events.some(x => x.type === 'close'), 5000, 'the close event');
			c.eq('events', exitLog.events.map(x => x.type), ['error', 'statechange', 'close']);
			const close = exitLog.events.find(x => x.type === 'close');
			c.eq('close', [close.code, close.wasClean, close.willReconnect], [1006, false, false]);
		`)
	})
	t.Run("WhileRunning", func(t *testing.T) {
		e := openPage(t, b, "exit.html?when=running")
		e.check(t, 20*time.Second, nil, `
			await WSBeat.ready;
			await until(() => ws.readyState === 1, 5000, 'open');
			const got = next(ws, 'message');
			ws.send('before');
			await got;
			const stats = async () => (await (await fetch('/control/stats')).json());
			c.eq('one connection open', (await stats()).open, 1);
			const from = exitLog.events.length;

			// End the program as wasm_exec.js does when Go exits.
			goInstance.exited = true;
			goInstance._resolveExitPromise();
			await until(() => exitLog.events.slice(from).some(x => x.type === 'close'), 5000, 'the close event');
			const log = exitLog.events.slice(from);
			c.eq('events', log.map(x => x.type), ['error', 'statechange', 'close']);
			const close = log.find(x => x.type === 'close');
			c.eq('close', [close.code, close.wasClean, close.willReconnect], [1006, false, false]);
			c.eq('socket state', [ws.readyState, ws.state], [3, 'closed']);
			c.eq('stats', WSBeat.stats(), null);
			// Its WebSocket is closed: the server sees it go, nothing more
			// is delivered.
			for (let i = 0; i < 100 && (await stats()).open !== 0; i++) await sleep(20);
			c.eq('the WebSocket was closed', (await stats()).open, 0);
			await sleep(100);
			c.eq('nothing after the close', exitLog.events.slice(from).map(x => x.type), ['error', 'statechange', 'close']);
			// New sockets fail the same way.
			const late = track(new WSBeat.Socket(ECHO));
			const lc = await next(late, 'close', 5000);
			c.eq('a new socket closes', [lc.code, lc.willReconnect], [1006, false]);
		`)
	})
}
