//go:build !js

package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// restartable serves an echo.Server on a fixed 127.0.0.1 port and can
// stop and start again on the same port. To a client that is what a server
// restart looks like: every TCP connection ends without a close frame,
// connections are refused for a while, then accepted again. Unlike a real
// restart, the echo handler and its message log live on, so the test can
// read every message the server ever received.
type restartable struct {
	echo *echo.Server
	addr string

	mu sync.Mutex
	hs *http.Server
}

func startRestartable(t *testing.T, cfg echo.Config) *restartable {
	t.Helper()
	cfg.Control = true
	cfg.Root = bt.RepoRoot(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	r := &restartable{echo: echo.New(cfg), addr: ln.Addr().String()}
	r.serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := r.echo.Shutdown(ctx); err != nil {
			t.Errorf("shutting the echo server down: %v", err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if r.hs != nil {
			r.hs.Close()
		}
	})
	return r
}

func (r *restartable) serve(ln net.Listener) {
	hs := &http.Server{Handler: r.echo, ReadHeaderTimeout: 10 * time.Second}
	r.mu.Lock()
	r.hs = hs
	r.mu.Unlock()
	go hs.Serve(ln)
}

// stop closes the listener and drops every connection.
func (r *restartable) stop(t *testing.T) {
	t.Helper()
	r.mu.Lock()
	hs := r.hs
	r.hs = nil
	r.mu.Unlock()
	hs.Close() // the listener and plain HTTP connections; not WebSockets
	r.control(t, http.MethodPost, "drop")
}

// start listens on the same port again.
func (r *restartable) start(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ln, err := net.Listen("tcp", r.addr)
		if err == nil {
			r.serve(ln)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("listening on %s again: %v", r.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// control calls the control API in-process, so it works while stopped.
func (r *restartable) control(t *testing.T, method, path string) []byte {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(method, "/control/"+path, nil)
	req.Host = r.addr // the server refuses names it does not know (DNS rebinding)
	r.echo.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s /control/%s: %d %s", method, path, rec.Code, rec.Body)
	}
	return rec.Body.Bytes()
}

// testData sends 1 000 numbered messages, 10 every 50ms, through a
// dropped connection, a silenced one and a server restart, with a queue
// of 50 so that the outages overflow it. Every message is classified by
// what send() returned and by the drop events:
//
//   - "queued" messages must arrive exactly once, in order, or be
//     reported in a drop event (the queue policy's choice);
//   - "sent" messages (handed to an open connection) must arrive at most
//     once and in order; those handed to a connection that was already
//     dead are lost in flight, which the contract allows, and are counted;
//   - nothing reported dropped may arrive.
//
// A plain WebSocket in the same page sends the same sequence.
func testData(t *testing.T, b *bt.Browser, res *results) {
	const n = 1000
	r := startRestartable(t, echo.Config{})
	p := openPage(t, b, "http://"+r.addr)
	wsURL := "ws://" + r.addr + "/echo"
	track(t, p, "d", wsURL, `{heartbeatInterval: 500, heartbeatTimeout: 500, minReconnectionDelay: 100, maxReconnectionDelay: 500, maxEnqueuedMessages: 50}`)
	plain(t, p, "p", wsURL)
	r.control(t, http.MethodPost, "reset")

	t0 := nowMS()
	bt.Eval[bool](t, p, fmt.Sprintf(`(T.pump("d", %d, 10, 50, "p"), true)`, n))
	type fault struct {
		at   int
		name string
		do   func()
		t    int64
	}
	var upMS int64
	faults := []*fault{
		{at: 200, name: "drop", do: func() { r.control(t, http.MethodPost, "drop") }},
		{at: 400, name: "silence", do: func() { r.control(t, http.MethodPost, "silence") }},
		{at: 650, name: "restart", do: func() {
			r.stop(t)
			time.Sleep(700 * time.Millisecond)
			r.start(t)
			upMS = nowMS()
		}},
	}
	for _, f := range faults {
		bt.WaitFor(t, p, fmt.Sprintf(`T.pumped >= %d`, f.at), 30*time.Second)
		f.t = nowMS()
		f.do()
	}
	bt.WaitFor(t, p, `T.pumpDone === true`, 30*time.Second)
	if err := bt.WaitForErr(p, `T.socks.d.ws.state === "open" && T.socks.d.ws.queuedMessages === 0`, 10*time.Second); err != nil {
		t.Fatalf("not open with an empty queue after the run: %v%s", err, dump(events(t, p, `T.socks.d.events`), t0))
	}
	bt.Eval[bool](t, p, `T.echo("d", "done", 5000)`)

	sendResults := bt.Eval[[]string](t, p, `T.sendResults`)
	dropped := bt.Eval[[]string](t, p, `T.socks.d.dropped`)
	ev := events(t, p, `T.socks.d.events`)
	var logged []string
	if err := json.Unmarshal(r.control(t, http.MethodGet, "messages"), &logged); err != nil {
		t.Fatalf("decoding /control/messages: %v", err)
	}

	// What arrived, in the server's order.
	arrived := map[int]int{}
	var order []int
	plainArrived := 0
	for _, m := range logged {
		switch {
		case strings.HasPrefix(m, "m"):
			i, err := strconv.Atoi(m[1:])
			if err != nil {
				t.Fatalf("unexpected message %q at the server", m)
			}
			arrived[i]++
			order = append(order, i)
		case strings.HasPrefix(m, "p"):
			plainArrived++
		}
	}
	for k := 1; k < len(order); k++ {
		if order[k] <= order[k-1] {
			t.Errorf("out of order or repeated at the server: m%04d after m%04d", order[k], order[k-1])
		}
	}
	droppedSet := map[int]bool{}
	for _, m := range dropped {
		i, err := strconv.Atoi(strings.TrimPrefix(m, "m"))
		if err != nil {
			t.Fatalf("unexpected message %q in a drop event", m)
		}
		if droppedSet[i] {
			t.Errorf("m%04d reported dropped twice", i)
		}
		droppedSet[i] = true
	}

	tally := map[string]int{}
	var lostInFlight []int
	var bad []string
	for i := 0; i < n; i++ {
		got := arrived[i]
		r := sendResults[i]
		tally[r]++
		if got > 1 {
			bad = append(bad, fmt.Sprintf("m%04d (%s) arrived %d times", i, r, got))
		}
		if got > 0 && droppedSet[i] {
			bad = append(bad, fmt.Sprintf("m%04d (%s) was reported dropped but arrived", i, r))
		}
		switch r {
		case "queued":
			if got == 0 && !droppedSet[i] {
				bad = append(bad, fmt.Sprintf("m%04d was queued, never arrived and was never reported dropped", i))
			}
		case "sent":
			if droppedSet[i] {
				bad = append(bad, fmt.Sprintf("m%04d was sent, yet reported in a drop event", i))
			}
			if got == 0 {
				lostInFlight = append(lostInFlight, i)
			}
		case "dropped":
			if got > 0 {
				bad = append(bad, fmt.Sprintf("m%04d: send() said dropped, but it arrived", i))
			}
		default:
			bad = append(bad, fmt.Sprintf("m%04d: send() returned %q", i, r))
		}
	}
	if len(bad) > 0 {
		t.Errorf("%d messages broke the delivery contract, first ones:\n\t%s", len(bad), strings.Join(bad[:min(len(bad), 20)], "\n\t"))
	}
	if tally["queued"] == 0 || len(droppedSet) == 0 {
		t.Errorf("the faults queued %d and dropped %d messages: the scenario did not exercise the queue", tally["queued"], len(droppedSet))
	}

	// Per fault: how long until wsbeat noticed and was open again.
	var faultText []string
	for _, f := range faults {
		c, ok := firstOf(ev, "close", f.t)
		if !ok {
			t.Errorf("no close event after the %s", f.name)
			continue
		}
		from := c.T
		what := "close"
		if f.name == "restart" {
			from, what = upMS, "server back"
		}
		o, _ := firstOf(ev, "open", from)
		faultText = append(faultText, fmt.Sprintf("%s: close %d after %dms, open %dms after %s", f.name, c.Code, c.T-f.t, o.T-from, what))
	}
	lostRanges := ranges(lostInFlight)
	t.Logf("data: send() returned %v; %d arrived at the server exactly once and in order; %d reported in drop events; %d sent but lost in flight (%s); %s",
		tally, len(order), len(droppedSet), len(lostInFlight), lostRanges, strings.Join(faultText, "; "))
	res.add(t, "data-1000-drop-silence-restart",
		fmt.Sprintf("%d/%d arrived (dead after the first drop, the rest discarded without any report)", plainArrived, n),
		fmt.Sprintf("%d/%d arrived once and in order; %d queued, %d reported in drop events (queue 50 overflowed); %d sent into a silently dead connection lost in flight, unreported", len(order), n, tally["queued"], len(droppedSet), len(lostInFlight)),
		strings.Join(faultText, "; "))
}

// ranges renders sorted ints as "a-b, c".
func ranges(xs []int) string {
	var parts []string
	for i := 0; i < len(xs); {
		j := i
		for j+1 < len(xs) && xs[j+1] == xs[j]+1 {
			j++
		}
		if i == j {
			parts = append(parts, fmt.Sprintf("m%04d", xs[i]))
		} else {
			parts = append(parts, fmt.Sprintf("m%04d-m%04d", xs[i], xs[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
