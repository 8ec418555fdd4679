//go:build !js

package wsbeat_test

// Every user callback may call every method of its own Socket: the engine
// never calls user code with its lock held. Each test here lets one
// callback call all of them, Pause, Resume, Reconnect and Close included,
// against the real echo server, and fails, naming the stuck callback, if
// one of those calls does not return: a deadlock, not a slow machine, since
// the wait is long.

import (
	"context"
	"net/http"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/server/echo"
)

// reentry is a callback's access to its own Socket.
type reentry struct {
	t     *testing.T
	name  string
	sock  atomic.Pointer[wsbeat.Socket]
	steps atomic.Int32 // lifecycle steps taken
	// entered and returned count the callback's runs; they differ while
	// one is running, and stay different if it deadlocked.
	entered, returned atomic.Int32
	stuck             atomic.Bool
	quiet             atomic.Bool // the callback calls nothing
	rec               *recorder
}

// newReentry makes a StartClosed Socket on url with o, whose callback name
// is under test, and starts it once the callback can reach it.
func newReentry(t *testing.T, name, url string, o *wsbeat.Options, setup func(r *reentry, o *wsbeat.Options)) *reentry {
	t.Helper()
	r := &reentry{t: t, name: name, rec: newRecorder()}
	o.OnEvent = r.rec.onEvent
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	o.Transport = &wsbeat.NativeTransport{HTTPClient: &http.Client{Transport: tr}}
	o.StartClosed = true
	setup(r, o)
	s, err := wsbeat.New(url, o)
	noErr(t, "wsbeat.New", err)
	r.sock.Store(s)
	t.Cleanup(func() {
		if !r.stuck.Load() { // a deadlocked Socket would block Close too
			closeAndWait(t, s)
		}
	})
	r.start()
	return r
}

// start starts the Socket from another goroutine: the callback runs
// within Reconnect, and a deadlock there must fail the test, not hang it.
func (r *reentry) start() { go r.sock.Load().Reconnect(0, "") }

// run is the body of the callback under test: it calls every method of
// the Socket and, if lifecycle, takes the next lifecycle step: Pause then
// Resume, then Reconnect, then Close, then none.
func (r *reentry) run(lifecycle bool) {
	s := r.sock.Load()
	if s == nil || r.quiet.Load() {
		return
	}
	r.entered.Add(1)
	defer r.returned.Add(1)
	_ = s.State()
	_ = s.ReadyState()
	_ = s.URL()
	_ = s.Protocol()
	_ = s.Extensions()
	_ = s.RetryCount()
	_ = s.QueuedMessages()
	_ = s.QueuedBytes()
	_ = s.BufferedAmount()
	_, _ = s.LastRTT()
	_, _ = s.SendText("from " + r.name)
	_, _ = s.SendBinary([]byte("from " + r.name))
	_, _ = s.Send(wsbeat.Text("from " + r.name))
	s.Probe()
	s.SetOnline(false)
	s.SetOnline(true)
	s.Resume()
	if !lifecycle {
		return
	}
	switch r.steps.Add(1) {
	case 1:
		s.Pause()
		s.Resume()
	case 2:
		s.Reconnect(4001, "from "+r.name)
	case 3:
		s.Close(wsbeat.CodeNormal, "from "+r.name)
	}
}

// await waits until an event from index *cur on matches, and fails the
// test if none comes within wait, as a deadlock if the callback is still
// running then. It calls no method of the Socket, which a deadlock would
// block.
func (r *reentry) await(cur *int, what string, match func(wsbeat.Event) bool) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	for {
		for i, e := range r.rec.since(*cur) {
			if match(e.Event) {
				*cur += i + 1
				return
			}
		}
		select {
		case <-r.rec.wake:
		case <-time.After(20 * time.Millisecond): // the callback's counters
		case <-ctx.Done():
			if r.entered.Load() != r.returned.Load() {
				r.stuck.Store(true)
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				r.t.Fatalf("deadlock: %s, calling a method of its own Socket, did not return within %v\n%s", r.name, wait, buf)
			}
			r.t.Fatalf("no %s within %v (the %s callback is not running); events since #%d:\n%s", what, wait, r.name, *cur, r.rec.dump(*cur))
		}
	}
}

// finish waits for the Close step's final close event, then checks that the
// Socket still works: it reconnects, echoes, and closes.
func (r *reentry) finish(cur *int) {
	r.t.Helper()
	r.await(cur, "final close", func(e wsbeat.Event) bool { return e.Type == wsbeat.EventClose && !e.WillReconnect })
	equal(r.t, "lifecycle steps taken by "+r.name, r.steps.Load() >= 3, true)
	r.start()
	r.await(cur, "open after Reconnect", isType(wsbeat.EventOpen))
	echoRoundTrip(r.t, r.sock.Load(), r.rec, cur, r.name)
}

func isOpen(e wsbeat.Event) bool { return e.Type == wsbeat.EventOpen }

// TestReentryOnEvent: an open handler calls every method.
func TestReentryOnEvent(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	r := newReentry(t, "OnEvent", srv.wsURL, fastOptions(), func(r *reentry, o *wsbeat.Options) {
		rec := o.OnEvent
		o.OnEvent = func(e wsbeat.Event) {
			// Not on message events: its own echoes would feed it.
			if e.Type == wsbeat.EventOpen || e.Type == wsbeat.EventClose {
				r.run(e.Type == wsbeat.EventOpen)
			}
			rec(e)
		}
	})
	cur := 0
	r.finish(&cur)
}

// TestReentryShouldReconnect: the policy calls every method each time the
// server drops the connection; what it settles itself (Pause, Reconnect,
// Close) wins over its answer, and once it only answers, its answer
// decides.
func TestReentryShouldReconnect(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	var answer atomic.Bool
	answer.Store(true)
	r := newReentry(t, "ShouldReconnect", srv.wsURL, fastOptions(), func(r *reentry, o *wsbeat.Options) {
		o.ShouldReconnect = func(c wsbeat.CloseInfo) bool {
			r.run(true)
			return answer.Load()
		}
	})
	cur := 0
	for step := 1; step <= 3; step++ {
		r.await(&cur, "open", isOpen)
		echoRoundTrip(t, r.sock.Load(), r.rec, &cur, "before drop") // the server knows the connection
		srv.control(t, "drop")
	}
	r.finish(&cur)

	// Now the policy takes no step and answers false: the Socket closes.
	answer.Store(false)
	srv.control(t, "drop")
	r.await(&cur, "final close after a false answer", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventClose && !e.WillReconnect && e.Close.Code == wsbeat.CodeAbnormal
	})
	equal(t, "state after a false answer", r.sock.Load().State(), wsbeat.StateClosed)
}

// TestReentryHeartbeatMessageFunc: the ping's text function calls every
// method; pings still go out and are answered afterwards.
func TestReentryHeartbeatMessageFunc(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	o := fastOptions()
	o.HeartbeatInterval = 100 * time.Millisecond
	o.HeartbeatTimeout = 5 * time.Second
	var pings atomic.Int32
	r := newReentry(t, "HeartbeatMessageFunc", srv.wsURL, o, func(r *reentry, o *wsbeat.Options) {
		o.HeartbeatMessageFunc = func() string {
			pings.Add(1)
			r.run(true)
			return "ping"
		}
	})
	cur := 0
	r.finish(&cur)
	// Its messages' echoes would answer the pings before the pongs do.
	r.quiet.Store(true)
	r.await(&cur, "heartbeat answered after the steps", isType(wsbeat.EventHeartbeat))
	if rtt, ok := r.sock.Load().LastRTT(); !ok || rtt <= 0 {
		t.Errorf("LastRTT = %v, %v after an answered ping", rtt, ok)
	}
	equal(t, "pings asked for at least 4", pings.Load() >= 4, true)
}

// TestReentryLogf: the log function calls every method on each
// "connecting" line.
func TestReentryLogf(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	var lines atomic.Int32
	r := newReentry(t, "Logf", srv.wsURL, fastOptions(), func(r *reentry, o *wsbeat.Options) {
		o.Logf = func(format string, args ...any) {
			lines.Add(1)
			r.run(strings.HasPrefix(format, "wsbeat: connecting"))
		}
	})
	cur := 0
	r.finish(&cur)
	equal(t, "log lines at least 4", lines.Load() >= 4, true)
}

// TestReentryURLFunc: the URL function calls every method on each attempt.
func TestReentryURLFunc(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	o := fastOptions()
	r := &reentry{t: t, name: "URLFunc", rec: newRecorder()}
	o.OnEvent = r.rec.onEvent
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	o.Transport = &wsbeat.NativeTransport{HTTPClient: &http.Client{Transport: tr}}
	o.StartClosed = true
	s, err := wsbeat.NewFunc(func(ctx context.Context) (string, error) {
		r.run(true)
		return srv.wsURL, nil
	}, o)
	noErr(t, "wsbeat.NewFunc", err)
	r.sock.Store(s)
	t.Cleanup(func() {
		if !r.stuck.Load() {
			closeAndWait(t, s)
		}
	})
	r.start()
	cur := 0
	r.finish(&cur)
}
