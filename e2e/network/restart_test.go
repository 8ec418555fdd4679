//go:build !js

package network

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// restartable is an echo server that can be stopped and started again on
// the same port, as a deploy or crash of the real server does.
type restartable struct {
	t    *testing.T
	addr string
	e    *echo.Server
	srv  *http.Server
}

func startRestartable(t *testing.T) *restartable {
	r := &restartable{t: t, addr: "127.0.0.1:0"}
	r.start()
	t.Cleanup(r.stop)
	return r
}

// start listens on the server's address (a new free port the first time,
// the same port after). The port can be busy for a moment after stop, so
// it retries for a while.
func (r *restartable) start() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln, err = net.Listen("tcp", r.addr)
		if err == nil || !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatalf("restarting the echo server on %s: %v", r.addr, err)
	}
	r.addr = ln.Addr().String()
	r.e = echo.New(echo.Config{OriginPatterns: anyLocalOrigin})
	r.srv = &http.Server{Handler: r.e, ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
}

// stop closes every WebSocket (1001, as a server going down) and the
// listener.
func (r *restartable) stop() {
	if r.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.e.Shutdown(ctx)
	r.srv.Close()
	r.srv = nil
}

func (r *restartable) URL(path string) string { return "ws://" + r.addr + path }

// testRestart: the server goes away (closing its sockets with 1001) and
// comes back on the same port 3 s later. wsbeat must be open again within
// the retry that was pending when it came back.
func testRestart(t *testing.T, e *env) {
	const down = 3 * time.Second
	b := backoff{min: 200, max: 2000, grow: 1.5}
	srv := startRestartable(t)
	p := e.open(t)
	p.wsbeat("w", srv.URL("/echo?c=w"), nil, b.opts())
	p.plain("p", srv.URL("/echo?c=p"), nil)
	p.waitEvents("w", "open", 1, 10*time.Second)
	p.waitEvents("p", "open", 1, 10*time.Second)

	stopped := p.now()
	srv.stop()
	c := p.waitEvents("w", "close", 1, 10*time.Second)[0]
	sleep(down)
	back := p.now()
	srv.start()
	opens := p.waitEvents("w", "open", 2, time.Duration(b.max)*time.Millisecond+10*time.Second)
	evs := p.events("w", "")

	// The retry pending when the server came back: the last reconnecting
	// event before then.
	var pending event
	for _, r := range only(evs, "reconnecting") {
		if r.T <= back {
			pending = r
		}
	}
	due := math.Max(back, pending.T+pending.Delay)
	if late := opens[1].T - due; late > 1000 {
		t.Errorf("open %.0f ms after the pending retry was due (attempt %d, delay %.0f ms), want within one backoff step",
			late, pending.Attempt, pending.Delay)
	}
	if recover := opens[1].T - back; recover > b.window(pending.Attempt)+1000 {
		t.Errorf("open %.0f ms after the server returned, want within the backoff window %.0f ms", recover, b.window(pending.Attempt))
	}
	if c.Code != 1001 || !c.WillReconnect {
		t.Errorf("close %v, want the server's 1001 with willReconnect true", c)
	}
	checkSchedule(t, evs, b)
	attempts := len(p.attempts(srv.URL("/echo?c=w")))
	p.call("T.socks.w.send", "after the restart")
	p.waitFor(`T.msgs.w.includes("after the restart")`, 5*time.Second)
	result(t, "restart/same-port-down-3s", plainSummary(p.events("p", ""), stopped)+"; never reopens",
		fmt.Sprintf("close %d, %d attempts while down, open %s after the server returned (pending retry %d, window %.0f ms)",
			c.Code, attempts-2, ms(opens[1].T-back), pending.Attempt, b.window(pending.Attempt)),
		c.T-stopped, opens[1].T-back)
}

// chromiumThrottleMax is the longest delay Chromium's network service
// puts before a WebSocket attempt of a page that has many attempts pending
// or failed (services/network/websocket_throttler.cc: 1-5 s ×
// 2^min(pending + failed/(succeeded+1), 16) / 65536, over the last 2-4
// minutes, per renderer process). Neither the page nor wsbeat can see it.
const chromiumThrottleMax = 5000

// testStorm: 50 sockets in one page when the server comes back. Their
// attempts must spread over the backoff window instead of arriving at
// once. connTimeout is their connectionTimeout: the default 4000 is
// shorter than Chromium's throttle can hold an attempt, which the result
// shows.
func testStorm(t *testing.T, e *env, connTimeout float64) {
	// Firefox holds a page's new attempts to a server whose last attempts
	// failed and then releases them together (about 240 ms for all 50 in
	// the matrix run), so no client-side jitter can spread them: a browser
	// limit, with its figures in RESILIENCE.md.
	browsertest.RequireEngine(t, e.b, "Firefox releases held attempts together, so jitter cannot spread them (RESILIENCE.md)",
		browsertest.Chromium, browsertest.WebKit)
	const n = 50
	const down = 3 * time.Second
	b := backoff{min: 500, max: 4000, grow: 1.5}
	srv := startRestartable(t)
	p := e.open(t)
	opts := merge(b.opts(), map[string]any{"connectionTimeout": connTimeout})
	for i := range n {
		p.wsbeat(fmt.Sprintf("s%02d", i), srv.URL(fmt.Sprintf("/echo?c=s%02d", i)), nil, opts)
	}
	all := func(cond string) string {
		return fmt.Sprintf(`Array.from({length: %d}, (_, i) => "s" + String(i).padStart(2, "0")).every(n => %s)`, n, cond)
	}
	p.waitFor(all(`T.count(n, "open") >= 1`), 20*time.Second)

	srv.stop()
	p.waitFor(all(`T.count(n, "close") >= 1`), 10*time.Second)
	sleep(down)
	back := p.now()
	srv.start()
	p.waitFor(all(`T.count(n, "open") >= 2`), 30*time.Second)

	type sock struct {
		name     string
		open     float64 // after back
		attempts int     // while down
	}
	var socks []sock
	immediate, timedOut := 0, 0
	for i := range n {
		name := fmt.Sprintf("s%02d", i)
		evs := p.events(name, "")
		checkSchedule(t, evs, b)
		att := p.attempts(srv.URL(fmt.Sprintf("/echo?c=%s", name)))
		drop := only(evs, "close")[0].T
		for _, a := range att {
			if a.T >= drop && a.T < drop+50 {
				immediate++
			}
		}
		for _, c := range after(only(evs, "close"), back) {
			if c.Reason == "connection timeout" {
				timedOut++
			}
		}
		socks = append(socks, sock{name: name, open: only(evs, "open")[1].T - back, attempts: len(att) - 2})
	}
	opens := make([]float64, n)
	maxAttempts := 0
	for i, s := range socks {
		opens[i] = s.open
		maxAttempts = max(maxAttempts, s.attempts)
	}
	slices.Sort(opens)
	first, last := opens[0], opens[n-1]
	spread := last - first
	// One backoff window, plus Chromium's throttle, plus, when the
	// throttle outlasts connectionTimeout, one abandoned attempt and
	// another window.
	limit := b.max + chromiumThrottleMax + 1000
	if connTimeout < chromiumThrottleMax {
		limit += connTimeout + b.max
	}
	if last > limit {
		slow := slices.MaxFunc(socks, func(a, b sock) int { return int(a.open - b.open) })
		var tl []string
		for _, a := range p.attempts(srv.URL("/echo?c=" + slow.name)) {
			tl = append(tl, fmt.Sprintf("attempt at %+.0f: open %+.0f close %+.0f code %d", a.T-back, a.Open-back, a.Close-back, a.Code))
		}
		t.Errorf("the last socket opened %.0f ms after the server returned, want within %.0f ms\n"+
			"%s (times from the return):\n%s\nevents: %v", last, limit, slow.name, strings.Join(tl, "\n"), after(p.events(slow.name, ""), back-5000))
	}
	if spread < 300 {
		t.Errorf("all %d sockets reopened within %.0f ms: the retries are not spread by the jitter", n, spread)
	}
	// A histogram of opens after the server returned, 500 ms per bucket.
	const bucket = 500.0
	hist := make([]int, int(last/bucket)+1)
	for _, o := range opens {
		hist[int(math.Max(o, 0)/bucket)]++
	}
	var lines []string
	for i, c := range hist {
		lines = append(lines, fmt.Sprintf("%5.0f-%5.0f ms %3d %s", float64(i)*bucket, float64(i+1)*bucket, c, strings.Repeat("#", c)))
	}
	t.Logf("opens after the server returned, %d sockets, connectionTimeout %.0f ms:\n%s", n, connTimeout, strings.Join(lines, "\n"))
	result(t, fmt.Sprintf("restart/storm-50-sockets-connectionTimeout-%.0f", connTimeout), "n/a (plain sockets stay closed)",
		fmt.Sprintf("all %d reopened; first %s, median %s, last %s after the server returned; %d of %d retried within 50 ms of the drop; "+
			"at most %d attempts per socket while down %v; %d attempts abandoned by connectionTimeout after the return",
			n, ms(first), ms(opens[n/2]), ms(last), immediate, n, maxAttempts, down, timedOut),
		math.NaN(), last, fmt.Sprintf("spread=%s", ms(spread)))
}
