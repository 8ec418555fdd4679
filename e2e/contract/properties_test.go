//go:build !js

package contract

import (
	"net"
	"testing"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

// testConstants: CONNECTING 0, OPEN 1, CLOSING 2, CLOSED 3 on the class
// and on instances, as on WebSocket; the socket is an EventTarget;
// WSBeat.version is a string and WSBeat.ready resolves. It logs
// WSBeat.startupMs, the time from the start of loading to ready.
func testConstants(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	info := e.check(t, 0, nil, `
		await WSBeat.ready;
		const names = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
		const ws = new WSBeat.Socket(ECHO, [], {startClosed: true});
		names.forEach((n, i) => {
			c.eq('Socket.' + n, WSBeat.Socket[n], i);
			c.eq('instance.' + n, ws[n], i);
			c.eq('WebSocket.' + n + ' agrees', WebSocket[n], i);
		});
		c.ok('instanceof EventTarget', ws instanceof EventTarget);
		c.eq('typeof version', typeof WSBeat.version, 'string');
		c.ok('version not empty', WSBeat.version.length > 0);
		c.eq('typeof startupMs', typeof WSBeat.startupMs, 'number');
		c.ok('ready is a Promise', WSBeat.ready instanceof Promise);
		c.info.startupMs = WSBeat.startupMs;
		c.info.version = WSBeat.version;
	`)
	t.Logf("WSBeat.startupMs = %.1f ms (load to ready, version %v)", info["startupMs"], info["version"])
}

// testProperties checks every property of the contract before, during and
// after a connection, against what a raw WebSocket to the same URL says
// where they must agree (protocol, extensions).
func testProperties(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		const ws = track(new WSBeat.Socket(ECHO, ['chat', 'other'], {heartbeatInterval: 0}));
		c.eq('before', snap(ws), {url: ECHO, protocol: '', extensions: '', readyState: 0, bufferedAmount: 0,
			binaryType: 'blob', retryCount: 0, queuedMessages: 0, lastRTT: null, state: 'connecting'});
		await next(ws, 'open');

		const raw = new WebSocket(ECHO, ['chat', 'other']);
		await next(raw, 'open');
		c.eq('during', snap(ws), {url: ECHO, protocol: raw.protocol, extensions: raw.extensions, readyState: 1,
			bufferedAmount: 0, binaryType: 'blob', retryCount: 0, queuedMessages: 0, lastRTT: null, state: 'open'});
		c.eq('negotiated protocol', ws.protocol, 'chat');
		raw.close();

		ws.close(1000, 'done');
		c.eq('closing: readyState', ws.readyState, 2);
		c.eq('closing: state', ws.state, 'closing');
		const ev = await next(ws, 'close');
		c.eq('close event', [ev.code, ev.reason, ev.wasClean, ev.willReconnect], [1000, 'done', true, false]);
		const after = snap(ws);
		c.eq('after', {url: after.url, readyState: after.readyState, state: after.state, bufferedAmount: after.bufferedAmount,
			queuedMessages: after.queuedMessages, retryCount: after.retryCount, binaryType: after.binaryType},
			{url: ECHO, readyState: 3, state: 'closed', bufferedAmount: 0, queuedMessages: 0, retryCount: 0, binaryType: 'blob'});
		c.eq('statechanges', ws.log.filter(x => x.type === 'statechange').map(x => x.previous + '>' + x.state),
			['connecting>open', 'open>closing', 'closing>closed']);

		// startClosed: closed until reconnect(), which starts it.
		const sc = track(new WSBeat.Socket(ECHO, [], {startClosed: true, heartbeatInterval: 0}));
		c.eq('startClosed', [sc.readyState, sc.state, sc.url], [3, 'closed', ECHO]);
		await sleep(100);
		c.eq('startClosed stays closed', [sc.state, types(sc.log)], ['closed', []]);
		sc.reconnect();
		c.eq('reconnect() starts it', [sc.readyState, sc.state], [0, 'connecting']);
		await next(sc, 'open');
		c.eq('startClosed then open', sc.readyState, 1);
		sc.close();

		// While waiting between attempts readyState stays CONNECTING.
		const rc = track(new WSBeat.Socket(ECHO, [], {heartbeatInterval: 0, minReconnectionDelay: 400, maxReconnectionDelay: 400}));
		await next(rc, 'open');
		const waiting = next(rc, 'reconnecting', 8000, x => x.attempt >= 2);
		await control('reject?ms=2000'); // Firefox holds attempts to a failing server for a while
		await control('drop');
		await waiting;
		c.eq('reconnecting: state', rc.state, 'reconnecting');
		c.eq('reconnecting: readyState', rc.readyState, 0);
		c.ok('reconnecting: retryCount', rc.retryCount >= 2, rc.retryCount);
		rc.send('abc');
		rc.send(new Uint8Array(5));
		c.eq('reconnecting: queue', [rc.queuedMessages, rc.bufferedAmount], [2, 8]);
		await next(rc, 'open', 5000);
		c.eq('reopened', [rc.readyState, rc.state, rc.queuedMessages], [1, 'open', 0]);
		// The flushed queue is in the browser's buffer now, then on the wire.
		await until(() => rc.bufferedAmount === 0, 5000, 'bufferedAmount back to 0');
		rc.close();
	`)
}

// testURLs: http: and https: map to ws: and wss:, relative URLs resolve
// against the page, a URL object works, and url is the URL of the current
// attempt.
func testURLs(t *testing.T, b *browsertest.Browser) {
	e := openPage(t, b, "contract.html")
	e.check(t, 0, nil, `
		const httpURL = location.origin + '/echo?via=http';
		const ws = new WSBeat.Socket(httpURL, [], {heartbeatInterval: 0});
		c.eq('http: maps to ws:', ws.url, ECHO + '?via=http');
		await next(ws, 'open');
		const got = next(ws, 'message');
		ws.send('over http');
		c.eq('http: socket echoes', (await got).data, 'over http');
		ws.close();

		const rel = new WSBeat.Socket('/echo?rel=1', [], {heartbeatInterval: 0});
		c.eq('relative URL', rel.url, ECHO + '?rel=1');
		await next(rel, 'open');
		rel.close();

		const up = new WSBeat.Socket('../../../echo', [], {startClosed: true});
		c.eq('dot-relative URL', up.url, ECHO);

		const https = new WSBeat.Socket('https://example.invalid:8443/ws?x=1', [], {startClosed: true});
		c.eq('https: maps to wss:', https.url, 'wss://example.invalid:8443/ws?x=1');

		const obj = new WSBeat.Socket(new URL(ECHO + '?obj=1'), [], {startClosed: true});
		c.eq('URL object', obj.url, ECHO + '?obj=1');

		const wss = new WSBeat.Socket('wss://example.invalid/a', 'proto', {startClosed: true});
		c.eq('wss: kept', wss.url, 'wss://example.invalid/a');
	`)
}

// closedPort returns a 127.0.0.1 port that refuses connections: one that
// was just listened on and closed.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return port
}

// silentServer returns the address of a 127.0.0.1 listener that accepts
// connections and never answers, where a WebSocket handshake hangs.
func silentServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}
