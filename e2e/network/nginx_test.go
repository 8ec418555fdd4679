//go:build !js

package network

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/hostile"
	"github.com/wsbeat/wsbeat/e2e/internal/nginxtest"
)

// nginxHold is how long a connection through nginx must stay open: four
// of nginx's 3 s idle timeouts.
const nginxHold = 12 * time.Second

// startNginx starts nginx in front of the page server's echo, with
// /sink going to the hostile server's sink.
func startNginx(t *testing.T, e *env) *nginxtest.Nginx {
	return nginxtest.Start(t, nginxtest.Config{
		Upstream: e.echoAddr(),
		Routes:   map[string]string{hostile.PathSink: e.hostile.Addr()},
	})
}

// testNginxHeartbeat: behind nginx's proxy_read_timeout of 3 s, a 1 s
// heartbeat keeps the connection open, while a plain idle WebSocket is cut.
func testNginxHeartbeat(t *testing.T, e *env, ng *nginxtest.Nginx) {
	p := e.open(t)
	p.wsbeat("w", ng.URL("/echo?c=w"), nil,
		merge(fastBackoff.opts(), map[string]any{"heartbeatInterval": 1000, "heartbeatTimeout": 2000}))
	p.plain("p", ng.URL("/echo?c=p"), nil)
	opened := p.waitEvents("w", "open", 1, 10*time.Second)[0]
	plainOpen := p.waitEvents("p", "open", 1, 10*time.Second)[0]
	sleep(nginxHold)
	evs := p.events("w", "")
	if n := len(only(evs, "close")); n != 0 {
		t.Errorf("wsbeat with a 1 s heartbeat was closed behind nginx: %v", evs)
	}
	beats := only(evs, "heartbeat")
	if len(beats) < 4 {
		t.Errorf("want a ping about every 1-2 s, got %d in %v", len(beats), nginxHold)
	}
	plainEvs := p.events("p", "")
	pc := only(plainEvs, "close")
	if len(pc) != 1 || pc[0].Code != 1006 {
		t.Fatalf("the plain idle WebSocket should be cut by nginx with 1006, got %v", plainEvs)
	}
	if cut := pc[0].T - plainOpen.T; cut < 2500 || cut > 6000 {
		t.Errorf("nginx cut the plain socket after %.0f ms, want about 3000", cut)
	}
	result(t, "nginx/idle-3s-heartbeat-1s", plainSummary(plainEvs, plainOpen.T),
		fmt.Sprintf("open %v, no close, %d pings answered", nginxHold, len(beats)), math.NaN(), math.NaN(),
		fmt.Sprintf("open=%s", ms(opened.T)))
}

// testNginxClientOnly: the upstream never writes (not even pongs), the
// client pings (heartbeatTimeout longer than the test) and sends a message
// every second. Traffic from the client alone keeps nginx's timer from
// firing.
func testNginxClientOnly(t *testing.T, e *env, ng *nginxtest.Nginx) {
	p := e.open(t)
	p.wsbeat("w", ng.URL(hostile.PathSink+"?c=w"), nil,
		merge(fastBackoff.opts(), map[string]any{"heartbeatInterval": 1000, "heartbeatTimeout": 30000}))
	p.plain("p", ng.URL(hostile.PathSink+"?c=p"), nil)
	p.waitEvents("w", "open", 1, 10*time.Second)
	plainOpen := p.waitEvents("p", "open", 1, 10*time.Second)[0]
	p.call("T.every", "w", 1000, "tick")
	sleep(nginxHold)
	p.call("T.stop", "w")
	evs := p.events("w", "")
	if n := len(only(evs, "close")); n != 0 {
		t.Errorf("wsbeat sending every 1 s to a silent upstream was closed behind nginx: %v", evs)
	}
	if n := len(only(evs, "message")); n != 0 {
		t.Errorf("the sink upstream sent %d messages; it must send none", n)
	}
	plainEvs := p.events("p", "")
	result(t, "nginx/idle-3s-client-sends-only", plainSummary(plainEvs, plainOpen.T),
		fmt.Sprintf("open %v, no close, while only the client sent", nginxHold), math.NaN(), math.NaN())
}

// testNginxHeartbeatOff: without a heartbeat, wsbeat is cut like a plain
// WebSocket, about 3 s after open with 1006, and reconnects. This half
// shows the test above can fail.
func testNginxHeartbeatOff(t *testing.T, e *env, ng *nginxtest.Nginx) {
	p := e.open(t)
	p.wsbeat("w", ng.URL("/echo?c=w"), nil, merge(fastBackoff.opts(), map[string]any{"heartbeatInterval": 0}))
	opened := p.waitEvents("w", "open", 1, 10*time.Second)[0]
	c := p.waitEvents("w", "close", 1, 10*time.Second)[0]
	opens := p.waitEvents("w", "open", 2, 10*time.Second)
	if c.Code != 1006 || c.WasClean || !c.WillReconnect {
		t.Errorf("close %v, want 1006 wasClean false willReconnect true", c)
	}
	if cut := c.T - opened.T; cut < 2500 || cut > 6000 {
		t.Errorf("nginx cut the connection after %.0f ms, want about 3000", cut)
	}
	checkSchedule(t, p.events("w", ""), fastBackoff)
	result(t, "nginx/idle-3s-heartbeat-off", "close 1006 at ~3s (see idle-3s-heartbeat-1s)",
		fmt.Sprintf("close %d after %s idle, reconnected", c.Code, ms(c.T-opened.T)), c.T-opened.T, opens[1].T-c.T)
}

// testRefused: an upgrade refused with an HTTP status (through nginx or
// directly). The browser hides the status from the page; wsbeat sees a
// failed attempt (1006) and retries on its backoff schedule.
func testRefused(t *testing.T, e *env, scenario, url string) {
	const observe = 3 * time.Second
	p := e.open(t)
	start := p.now()
	p.wsbeat("w", url+"?c=w", nil, fastBackoff.opts())
	p.plain("p", url+"?c=p", nil)
	p.waitEvents("w", "close", 1, 10*time.Second)
	sleep(observe)
	evs := p.events("w", "")
	if n := len(only(evs, "open")); n != 0 {
		t.Fatalf("a refused handshake opened: %v", evs)
	}
	for _, c := range only(evs, "close") {
		if c.Code != 1006 || c.WasClean {
			t.Errorf("close %v, want 1006 wasClean false", c)
		}
	}
	checkSchedule(t, evs, fastBackoff)
	n := len(p.attempts(url + "?c=w"))
	if n < 2 || n > 30 {
		t.Errorf("%d attempts in about %v with backoff 100..1000 ms, want a few and never a hot loop", n, observe)
	}
	first := only(evs, "close")[0]
	result(t, scenario, plainSummary(p.events("p", ""), start),
		fmt.Sprintf("%s, willReconnect=%v, %d attempts in %s", closeSummary(evs), first.WillReconnect, n, ms(p.now()-start)),
		first.T-start, math.NaN())
}
