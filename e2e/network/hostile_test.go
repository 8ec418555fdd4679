//go:build !js

package network

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/e2e/internal/hostile"
)

// hostileObserve is how long each hostile scenario watches the retries.
const hostileObserve = 5 * time.Second

// terminalCodes are the close codes after which the default policy stops.
var terminalCodes = []int{1002, 1003, 1007, 1008, 1009, 1010, 1015}

// protocolErrors are the hostile paths whose server breaks the protocol
// after a correct handshake.
var protocolErrors = []string{
	hostile.PathInvalidUTF8,
	hostile.PathMasked,
	hostile.PathReservedBits,
	hostile.PathUnknownOpcode,
	hostile.PathCloseCode999,
	hostile.PathCloseOneByte,
}

// testHostileEcho proves the hostile server's framing: its correct path
// opens, echoes and answers pings, so the failures of the other paths come
// from what each breaks.
func testHostileEcho(t *testing.T, e *env) {
	p := e.open(t)
	p.wsbeat("w", e.hostile.URL(hostile.PathEcho), nil,
		merge(fastBackoff.opts(), map[string]any{"heartbeatInterval": 500, "heartbeatTimeout": 1000}))
	p.waitEvents("w", "open", 1, 10*time.Second)
	p.call("T.socks.w.send", "hello hostile")
	p.waitFor(`T.msgs.w.includes("hello hostile")`, 5*time.Second)
	p.waitEvents("w", "heartbeat", 2, 10*time.Second)
	if evs := p.events("w", "close"); len(evs) != 0 {
		t.Fatalf("the correct hostile echo closed: %v", evs)
	}
}

// testProtocolError: the server sends one broken frame after a correct
// handshake. Record what the browser reports, what it tells the server,
// and check that wsbeat ends in the contract's close event and then
// either retries on its backoff schedule or, for a terminal code, stops.
func testProtocolError(t *testing.T, e *env, path string) {
	p := e.open(t)
	start := p.now()
	p.wsbeat("w", e.hostile.URL(path+"?c=w"), nil, fastBackoff.opts())
	p.plain("p", e.hostile.URL(path+"?c=p"), nil)
	if path == hostile.PathMasked && e.b.Engine() == browsertest.Firefox {
		testMaskedAccepted(t, p, start)
		return
	}
	p.waitEvents("w", "close", 1, 10*time.Second)
	p.waitEvents("p", "close", 1, 10*time.Second)
	sleep(hostileObserve)
	evs := p.events("w", "")
	closes := only(evs, "close")
	first := closes[0]
	terminal := slices.Contains(terminalCodes, first.Code)
	if first.WillReconnect == terminal {
		t.Errorf("close %v: willReconnect must be %v for code %d under the default policy", first, !terminal, first.Code)
	}
	n := len(p.attempts(path + "?c=w"))
	if terminal {
		if len(closes) != 1 || n != 1 || eval[string](p, `T.socks.w.state`) != "closed" {
			t.Errorf("terminal code %d: want one attempt and state closed, got %d attempts: %v", first.Code, n, evs)
		}
	} else {
		checkSchedule(t, evs, fastBackoff)
		if n < 3 || n > 40 {
			t.Errorf("%d attempts in %v with backoff 100..1000 ms, want a bounded schedule (about 10-15)", n, hostileObserve)
		}
		// Attempts abandoned by connectionTimeout never reached the
		// broken frame (Firefox holds attempts to a host whose last ones
		// failed), so they are left out of the comparison.
		reached := slices.DeleteFunc(slices.Clone(closes), func(c event) bool { return strings.Contains(c.Reason, "connection timeout") })
		for _, c := range reached {
			if c.Code != reached[0].Code {
				t.Errorf("close codes differ between attempts that reached the server: %v", closes)
				break
			}
		}
	}
	// What the browser sent the server when it failed the connection.
	var told []string
	for _, r := range e.hostile.Records(path) {
		if r.ClientClose != 0 && !slices.Contains(told, fmt.Sprint(r.ClientClose)) {
			told = append(told, fmt.Sprint(r.ClientClose))
		}
	}
	if len(told) == 0 {
		told = []string{"no close frame"}
	}
	name := strings.TrimPrefix(path, "/")
	result(t, "hostile/"+name, plainSummary(p.events("p", ""), start),
		fmt.Sprintf("%s wasClean=%v, willReconnect=%v, %d attempts in %s", closeSummary(evs), first.WasClean, first.WillReconnect, n, ms(p.now()-start)),
		first.T-start, math.NaN(), "browser_sent_server="+strings.Join(told, ","))
}

// testFlap: the server accepts and drops every connection at once. Each
// attempt opens, so a client that resets its retry count on open would
// reconnect in a hot loop; the count must only reset after minUptime.
func testFlap(t *testing.T, e *env) {
	p := e.open(t)
	start := p.now()
	p.wsbeat("w", e.hostile.URL(hostile.PathFlap+"?c=w"), nil, fastBackoff.opts())
	sleep(hostileObserve)
	evs := p.events("w", "")
	n := len(p.attempts(hostile.PathFlap + "?c=w"))
	checkSchedule(t, evs, fastBackoff)
	// Each open must carry the retry count of the attempt that made it:
	// in Chromium and WebKit every attempt opens, so open i has count i;
	// in Firefox some attempts are held by the browser and abandoned by
	// connectionTimeout, so the counts skip. A reset on open shows as a
	// count below the last reconnecting attempt (and in checkSchedule).
	attempt := 0
	for i, ev := range evs {
		switch ev.Type {
		case "reconnecting":
			attempt = ev.Attempt
		case "open":
			if ev.RetryCount != attempt {
				t.Errorf("open (event %d) has retryCount %d, want %d, the attempt that made it: the retry count must not reset on an open that does not last minUptime", i, ev.RetryCount, attempt)
			}
		}
	}
	opens := only(evs, "open")
	// Full jitter in windows of 100, 150, 225, ... 1000 ms: about 14
	// attempts in 5 s on average; a reset on every open would make
	// hundreds.
	if n < 4 || n > 40 {
		t.Errorf("%d attempts in %v, want a bounded schedule (about 10-15): %v", n, hostileObserve, evs)
	}
	result(t, "hostile/flap-accept-then-close", "n/a (a plain WebSocket does not retry)",
		fmt.Sprintf("%s, %d opens, %d attempts in %s, retryCount reached %d", closeSummary(evs), len(opens), n,
			ms(p.now()-start), eval[int](p, `T.socks.w.retryCount`)), math.NaN(), math.NaN())
}

// testHang: the server takes the TCP connection and never answers the
// upgrade. wsbeat gives up after connectionTimeout and retries; a plain
// WebSocket waits. Chromium lets only one handshake per host:port be in
// progress at a time, browser-wide (RFC 6455 §4.1), so a handshake that
// never ends also blocks every other WebSocket to that server, from any
// tab: the test measures how long a second connection to the same server
// waits behind wsbeat's attempts and behind a plain WebSocket's. It has
// its own hostile server, so that it blocks no other scenario.
func testHang(t *testing.T, e *env) {
	// In Firefox a plain WebSocket to a server whose handshake once hung
	// was still not open 60 s after every socket to it had been closed: the
	// browser's own hold, which no client library can lift (RESILIENCE.md).
	browsertest.RequireEngine(t, e.b, "Firefox holds new sockets to a server whose handshake hung, even plain ones (RESILIENCE.md)",
		browsertest.Chromium, browsertest.WebKit)
	const connTimeout = 1000
	h := hostile.Start(t)
	p := e.open(t)
	start := p.now()
	p.wsbeat("w", h.URL(hostile.PathHang+"?c=w"), nil,
		merge(fastBackoff.opts(), map[string]any{"connectionTimeout": connTimeout}))
	c := p.waitEvents("w", "close", 1, 10*time.Second)[0]
	sleep(time.Second)
	probe := p.now()
	p.plain("probe1", h.URL(hostile.PathEcho+"?c=probe1"), nil)
	behindWsbeat := p.waitEvents("probe1", "open", 1, 10*time.Second)[0].T - probe
	sleep(hostileObserve - time.Second)
	evs := p.events("w", "")
	n := len(p.attempts(hostile.PathHang + "?c=w"))
	if c.Code != 1006 || !c.WillReconnect || !strings.Contains(c.Reason, "timeout") {
		t.Errorf("close %v, want 1006 \"connection timeout\" willReconnect true", c)
	}
	if c.T-start < connTimeout-50 || c.T-start > connTimeout+1500 {
		t.Errorf("gave up after %.0f ms, want about connectionTimeout = %d ms", c.T-start, connTimeout)
	}
	if errs := only(evs, "error"); len(errs) == 0 || !strings.Contains(errs[0].Error, "timeout") {
		t.Errorf("want an error event naming the timeout: %v", errs)
	}
	checkSchedule(t, evs, fastBackoff)
	// Each attempt takes 1 s plus a backoff of at most 1 s.
	if n < 2 || n > 8 {
		t.Errorf("%d attempts in %v with connectionTimeout 1 s, want 2-8", n, hostileObserve)
	}
	if behindWsbeat > connTimeout+1000 {
		t.Errorf("a second WebSocket to the same server waited %.0f ms behind wsbeat's hanging attempts, want at most about connectionTimeout", behindWsbeat)
	}
	wsbeatText := fmt.Sprintf("%s %q, %d attempts in %s; another socket to the same server waited %s",
		closeSummary(evs), c.Reason, n, ms(p.now()-start), ms(behindWsbeat))
	p.call("T.socks.w.close")

	// A plain WebSocket in the same place.
	plainStart := p.now()
	p.plain("p", h.URL(hostile.PathHang+"?c=p"), nil)
	sleep(200 * time.Millisecond)
	probe = p.now()
	p.plain("probe2", h.URL(hostile.PathEcho+"?c=probe2"), nil)
	blocked := p.waitForErr(`T.count("probe2", "open") > 0`, 3*time.Second) != nil
	plainText := plainSummary(p.events("p", ""), plainStart)
	if eval[int](p, `T.socks.p.readyState`) == 0 {
		plainText = fmt.Sprintf("still CONNECTING after %s, no event", ms(p.now()-plainStart))
	}
	if blocked {
		p.call("T.socks.p.close")
		released := p.now()
		// Firefox 153 did not open probe2 within 60 s of this close (in
		// one run of December 2026): closing a socket whose handshake
		// hangs seems not to free the server's one CONNECTING slot, or
		// the failed attempts' reconnect delay holds it. It fails here
		// after 15 s, as evidence, until wsbeat or the report settles it.
		wait := 5 * time.Second
		if e.b.Engine() == browsertest.Firefox {
			wait = 15 * time.Second
		}
		p.waitEvents("probe2", "open", 1, wait)
		plainText += fmt.Sprintf("; another socket to the same server stayed blocked %s, until the hanging one was closed (opened %s after)",
			ms(released-probe), ms(p.events("probe2", "open")[0].T-released))
	} else {
		plainText += fmt.Sprintf("; another socket to the same server opened after %s", ms(p.events("probe2", "open")[0].T-probe))
	}
	result(t, "hostile/101-never-comes", plainText, wsbeatText, c.T-start, math.NaN())
}

// testSubprotocol: the server picks a subprotocol the client did not
// offer; the browser must fail the handshake and wsbeat must treat it as a
// failed attempt.
func testSubprotocol(t *testing.T, e *env) {
	p := e.open(t)
	start := p.now()
	protos := []string{"chat.v1"}
	p.wsbeat("w", e.hostile.URL(hostile.PathSubprotocol+"?c=w"), protos, fastBackoff.opts())
	p.plain("p", e.hostile.URL(hostile.PathSubprotocol+"?c=p"), protos)
	c := p.waitEvents("w", "close", 1, 10*time.Second)[0]
	sleep(hostileObserve)
	evs := p.events("w", "")
	if n := len(only(evs, "open")); n != 0 {
		t.Errorf("wsbeat opened with a protocol it did not offer: %v", evs)
	}
	if c.Code != 1006 || c.WasClean {
		t.Errorf("close %v, want 1006", c)
	}
	checkSchedule(t, evs, fastBackoff)
	n := len(p.attempts(hostile.PathSubprotocol + "?c=w"))
	if n < 3 || n > 40 {
		t.Errorf("%d attempts in %v, want a bounded schedule", n, hostileObserve)
	}
	result(t, "hostile/subprotocol-mismatch", plainSummary(p.events("p", ""), start),
		fmt.Sprintf("%s, never open, willReconnect=%v, %d attempts in %s", closeSummary(evs), c.WillReconnect, n, ms(p.now()-start)),
		c.T-start, math.NaN())
}

// testMaskedAccepted records what Firefox does with a masked frame from the
// server: RFC 6455 section 5.1 says the client must fail the connection,
// Firefox 153 delivers the frame as a message instead and stays open, for
// the plain WebSocket and wsbeat alike. wsbeat never sees frames, so it
// cannot do better; the case checks that it stays usable.
func testMaskedAccepted(t *testing.T, p *page, start float64) {
	p.waitEvents("w", "message", 1, 10*time.Second)
	p.waitEvents("p", "message", 1, 10*time.Second)
	sleep(hostileObserve)
	evs := p.events("w", "")
	if c := only(evs, "close"); len(c) != 0 {
		t.Errorf("Firefox accepted the masked frame, yet wsbeat closed: %v", evs)
	}
	// The server reads and answers nothing after the frame: sending
	// must still work and leave the socket open.
	p.call("T.socks.w.send", "still usable")
	sleep(500 * time.Millisecond)
	if st := eval[string](p, `T.socks.w.state`); st != "open" {
		t.Errorf("after a send, wsbeat is %s, want open", st)
	}
	result(t, "hostile/masked", "open, masked frame delivered as a message, no close (Firefox does not enforce RFC 6455 5.1)",
		fmt.Sprintf("open, %d message(s), no close, sends still accepted", len(only(evs, "message"))), math.NaN(), math.NaN(), "browser_sent_server=no close frame")
}
