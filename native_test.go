//go:build !js

package wsbeat_test

// Native integration tests: the engine on its default transport
// (github.com/coder/websocket) against the real echo and fault server, in
// process. They assert what a user would notice (messages arrive, dead
// connections are detected, retries back off and stop) and log the measured
// detection and reconnect times.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/server/echo"
)

// Timing of the fast options used by most tests.
const (
	minDelay = 50 * time.Millisecond
	maxDelay = 500 * time.Millisecond
	grow     = 1.5

	// slack is added to every upper time bound: this runs under -race on
	// small, noisy machines.
	slack = time.Second
	// wait bounds every wait for an event that must come.
	wait = 10 * time.Second
)

// fastOptions are options with short backoff. The heartbeat is slow enough
// that a busy machine does not declare a healthy connection dead; tests of
// the heartbeat set their own.
func fastOptions() *wsbeat.Options {
	return &wsbeat.Options{
		MinReconnectionDelay:        minDelay,
		MaxReconnectionDelay:        maxDelay,
		ReconnectionDelayGrowFactor: grow,
		ConnectionTimeout:           3 * time.Second,
		HeartbeatInterval:           time.Second,
		HeartbeatTimeout:            3 * time.Second,
	}
}

// --- event recorder ---

// stamped is an event and when it was delivered.
type stamped struct {
	wsbeat.Event
	At time.Time
}

// recorder keeps every event a Socket delivers, for tests to wait on.
type recorder struct {
	mu     sync.Mutex
	events []stamped
	wake   chan struct{}
}

func newRecorder() *recorder { return &recorder{wake: make(chan struct{}, 1)} }

// onEvent is the Socket's Options.OnEvent. It never blocks.
func (r *recorder) onEvent(e wsbeat.Event) {
	r.mu.Lock()
	r.events = append(r.events, stamped{Event: e, At: time.Now()})
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// since returns a copy of the events from index i on.
func (r *recorder) since(i int) []stamped {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]stamped(nil), r.events[min(i, len(r.events)):]...)
}

// await waits up to timeout for the first event from index *cur on that
// matches, moves *cur past it and returns it. It fails the test, listing the
// events it saw, if none comes.
func (r *recorder) await(t testing.TB, cur *int, timeout time.Duration, what string, match func(wsbeat.Event) bool) stamped {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		for i := *cur; i < len(r.events); i++ {
			if match(r.events[i].Event) {
				e := r.events[i]
				*cur = i + 1
				r.mu.Unlock()
				return e
			}
		}
		r.mu.Unlock()
		select {
		case <-r.wake:
		case <-deadline.C:
			t.Fatalf("no %s within %v; events since #%d:\n%s", what, timeout, *cur, r.dump(*cur))
		}
	}
}

// dump lists the events from index i on, one a line.
func (r *recorder) dump(i int) string {
	var b strings.Builder
	evs := r.since(i)
	for k, e := range evs {
		fmt.Fprintf(&b, "  #%d %s %s\n", i+k, e.At.Format("15:04:05.000"), describe(e.Event))
	}
	if len(evs) == 0 {
		b.WriteString("  (none)\n")
	}
	return b.String()
}

func describe(e wsbeat.Event) string {
	switch e.Type {
	case wsbeat.EventOpen:
		return fmt.Sprintf("open retryCount=%d", e.RetryCount)
	case wsbeat.EventMessage:
		if s, ok := e.Message.Text(); ok {
			if len(s) > 40 {
				s = s[:40] + "…"
			}
			return fmt.Sprintf("message text %q", s)
		}
		return fmt.Sprintf("message binary %d bytes", e.Message.Size)
	case wsbeat.EventClose:
		return fmt.Sprintf("close %d %q wasClean=%v willReconnect=%v", e.Close.Code, e.Close.Reason, e.Close.WasClean, e.WillReconnect)
	case wsbeat.EventError:
		return fmt.Sprintf("error %v", e.Err)
	case wsbeat.EventReconnecting:
		return fmt.Sprintf("reconnecting attempt=%d delay=%v", e.Attempt, e.Delay)
	case wsbeat.EventHeartbeat:
		return fmt.Sprintf("heartbeat rtt=%v", e.RTT)
	case wsbeat.EventDrop:
		return fmt.Sprintf("drop %d messages (%s)", len(e.Dropped), e.DropReason)
	case wsbeat.EventStateChange:
		return fmt.Sprintf("statechange %s -> %s", e.Previous, e.State)
	case wsbeat.EventSessionLost:
		return fmt.Sprintf("sessionlost %s, %d messages unconfirmed", e.Session, len(e.Unconfirmed))
	}
	return e.Type.String()
}

func isType(typ wsbeat.EventType) func(wsbeat.Event) bool {
	return func(e wsbeat.Event) bool { return e.Type == typ }
}

func isText(text string) func(wsbeat.Event) bool {
	return func(e wsbeat.Event) bool {
		s, ok := e.Message.Text()
		return e.Type == wsbeat.EventMessage && ok && s == text
	}
}

// --- tiny asserts ---

func equal[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func noErr(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// --- servers ---

// controlClient calls the control API. Without keep-alive it leaves no idle
// connection, and so no goroutine, behind.
var controlClient = &http.Client{
	Transport: &http.Transport{DisableKeepAlives: true},
	Timeout:   10 * time.Second,
}

// testServer is an in-process echo server with the control API.
type testServer struct {
	*echo.Server
	base  string // http://127.0.0.1:port
	wsURL string // ws://127.0.0.1:port/echo
}

// startEcho starts an echo server that shuts down when the test ends.
func startEcho(t testing.TB, cfg echo.Config) *testServer {
	t.Helper()
	cfg.Control = true
	srv := echo.New(cfg)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("echo server shutdown: %v", err)
		}
		ts.Close()
	})
	return &testServer{Server: srv, base: ts.URL, wsURL: "ws" + strings.TrimPrefix(ts.URL, "http") + "/echo"}
}

// control posts to /control/<action> and fails the test unless it succeeds.
func (s *testServer) control(t testing.TB, action string) {
	t.Helper()
	resp, err := controlClient.Post(s.base+"/control/"+action, "", nil)
	noErr(t, "control "+action, err)
	defer resp.Body.Close()
	var res struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK || !res.OK {
		t.Fatalf("control %s: status %d, ok %v, error %q, decode error %v", action, resp.StatusCode, res.OK, res.Error, err)
	}
}

// messages returns the text messages the server received, pings excluded.
func (s *testServer) messages(t testing.TB) []string {
	t.Helper()
	resp, err := controlClient.Get(s.base + "/control/messages")
	noErr(t, "GET /control/messages", err)
	defer resp.Body.Close()
	var msgs []string
	noErr(t, "decode /control/messages", json.NewDecoder(resp.Body).Decode(&msgs))
	return msgs
}

// serveEchoOn serves a fresh echo server on ln and returns a function that
// stops it the way a server process ends: listener closed first, then every
// WebSocket closed with 1001. The test's end stops it too.
func serveEchoOn(t testing.TB, ln net.Listener) (stop func()) {
	srv := echo.New(echo.Config{})
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		hs.Serve(ln)
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			hs.Close() // no new connection reaches srv
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(ctx); err != nil {
				t.Errorf("echo server shutdown: %v", err)
			}
			<-done
		})
	}
	t.Cleanup(stop)
	return stop
}

// --- sockets ---

// connect creates a Socket on url whose events go to the returned recorder,
// with its own HTTP transport so that no idle connection outlives the test.
// The Socket is closed when the test ends.
func connect(t testing.TB, url string, o *wsbeat.Options) (*wsbeat.Socket, *recorder) {
	t.Helper()
	if o == nil {
		o = fastOptions()
	}
	rec := newRecorder()
	o.OnEvent = rec.onEvent
	if o.Transport == nil {
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		o.Transport = &wsbeat.NativeTransport{HTTPClient: &http.Client{Transport: tr}}
	}
	s, err := wsbeat.New(url, o)
	noErr(t, "wsbeat.New", err)
	t.Cleanup(func() { closeAndWait(t, s) })
	return s, rec
}

// closeAndWait closes s and waits until it is closed.
func closeAndWait(t testing.TB, s *wsbeat.Socket) {
	t.Helper()
	s.Close(wsbeat.CodeNormal, "test over")
	deadline := time.Now().Add(wait)
	for s.State() != wsbeat.StateClosed {
		if time.Now().After(deadline) {
			t.Errorf("socket still %s %v after Close", s.State(), wait)
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// echoRoundTrip sends a unique text on the open Socket and waits for its
// echo.
func echoRoundTrip(t testing.TB, s *wsbeat.Socket, rec *recorder, cur *int, label string) time.Duration {
	t.Helper()
	text := fmt.Sprintf("round trip %s %d", label, rand.Int64())
	start := time.Now()
	res, err := s.SendText(text)
	noErr(t, "SendText", err)
	if res != wsbeat.Sent {
		t.Fatalf("SendText(%q) = %v on an open socket, want sent (state %s)", text, res, s.State())
	}
	e := rec.await(t, cur, wait, fmt.Sprintf("echo of %q", text), isText(text))
	return e.At.Sub(start)
}

func awaitOpen(t testing.TB, rec *recorder, cur *int) stamped {
	t.Helper()
	return rec.await(t, cur, wait, "open", isType(wsbeat.EventOpen))
}

// awaitReady waits for open and an echo. The client sees the handshake
// answer before the server has registered the connection for its control
// actions; once it has echoed, a control action is sure to reach it.
func awaitReady(t testing.TB, s *wsbeat.Socket, rec *recorder, cur *int) stamped {
	t.Helper()
	op := awaitOpen(t, rec, cur)
	echoRoundTrip(t, s, rec, cur, "ready")
	return op
}

// --- tests ---

// TestNativeEcho: text and binary messages come back intact, binary as
// []byte, in order.
func TestNativeEcho(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	s, rec := connect(t, srv.wsURL, nil)
	cur := 0
	awaitOpen(t, rec, &cur)
	equal(t, "ReadyState", s.ReadyState(), wsbeat.Open)

	text := "hello, wsbeat ✓"
	small := []byte{0, 1, 2, 0x7f, 0x80, 0xfe, 0xff}
	large := bytes.Repeat([]byte("0123456789abcdef"), 4096) // 64 KiB
	for _, send := range []func() (wsbeat.SendResult, error){
		func() (wsbeat.SendResult, error) { return s.SendText(text) },
		func() (wsbeat.SendResult, error) { return s.SendBinary(small) },
		func() (wsbeat.SendResult, error) { return s.SendBinary(large) },
	} {
		res, err := send()
		noErr(t, "send", err)
		equal(t, "send result", res, wsbeat.Sent)
	}

	e := rec.await(t, &cur, wait, "text echo", isType(wsbeat.EventMessage))
	got, ok := e.Message.Text()
	if !ok || got != text || e.Message.Binary || e.Message.Size != len(text) {
		t.Errorf("text echo = %#v, want text %q of %d bytes", e.Message, text, len(text))
	}
	for _, want := range [][]byte{small, large} {
		e = rec.await(t, &cur, wait, "binary echo", isType(wsbeat.EventMessage))
		b, ok := e.Message.Data.([]byte)
		if !ok || !e.Message.Binary || !bytes.Equal(b, want) || e.Message.Size != len(want) {
			t.Errorf("binary echo: Binary %v, Size %d, Data %T of %d bytes; want []byte of %d bytes, intact",
				e.Message.Binary, e.Message.Size, e.Message.Data, len(b), len(want))
		}
	}

	msgs := srv.messages(t)
	want := []string{text, "<binary 7 bytes>", "<binary 65536 bytes>"}
	if fmt.Sprint(msgs) != fmt.Sprint(want) {
		t.Errorf("server received %q, want %q", msgs, want)
	}
}

// TestNativeSilenceHeartbeatTimeout: a connection that goes silent (a
// half-open TCP connection) is declared dead by the heartbeat within
// interval + timeout, and a working connection replaces it at once.
func TestNativeSilenceHeartbeatTimeout(t *testing.T) {
	const interval, timeout = 200 * time.Millisecond, 300 * time.Millisecond
	srv := startEcho(t, echo.Config{})
	o := fastOptions()
	o.HeartbeatInterval, o.HeartbeatTimeout = interval, timeout
	s, rec := connect(t, srv.wsURL, o)
	cur := 0
	awaitOpen(t, rec, &cur)
	echoRoundTrip(t, s, rec, &cur, "before silence")

	start := time.Now()
	srv.control(t, "silence")
	errAt := cur
	cl := rec.await(t, &cur, wait, "close after silence", isType(wsbeat.EventClose))
	if cl.Close.Code != wsbeat.CodeHeartbeatTimeout || cl.Close.Reason != "heartbeat timeout" || cl.Close.WasClean || !cl.WillReconnect {
		t.Fatalf("close after silence: %s; want 4000 \"heartbeat timeout\" wasClean=false willReconnect=true", describe(cl.Event))
	}
	rec.await(t, &errAt, 0, "heartbeat timeout error before the close", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventError && errors.Is(e.Err, wsbeat.ErrHeartbeatTimeout)
	})
	op := awaitOpen(t, rec, &cur)
	echoRoundTrip(t, s, rec, &cur, "after silence")

	detected, reopened := cl.At.Sub(start), op.At.Sub(start)
	t.Logf("silence: detected in %v, open again in %v (interval %v, timeout %v)", detected, reopened, interval, timeout)
	if detected < timeout {
		t.Errorf("silence detected after %v, before a ping could time out (%v)", detected, timeout)
	}
	if bound := interval + timeout + slack; reopened > bound {
		t.Errorf("open again %v after silence, want within interval+timeout+%v = %v", reopened, slack, bound)
	}
	if n := srv.Stats().Accepted; n != 2 {
		t.Errorf("server accepted %d connections, want 2", n)
	}
}

// TestNativeDropReconnects: a TCP connection cut without a close frame is a
// 1006 close, and the first retry after an open connection is immediate.
func TestNativeDropReconnects(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	s, rec := connect(t, srv.wsURL, nil)
	cur := 0
	awaitReady(t, s, rec, &cur)

	start := time.Now()
	srv.control(t, "drop")
	cl := rec.await(t, &cur, wait, "close after drop", isType(wsbeat.EventClose))
	if cl.Close.Code != wsbeat.CodeAbnormal || cl.Close.WasClean || !cl.WillReconnect {
		t.Fatalf("close after drop: %s; want 1006 wasClean=false willReconnect=true", describe(cl.Event))
	}
	rc := rec.await(t, &cur, wait, "reconnecting", isType(wsbeat.EventReconnecting))
	if rc.Attempt != 1 || rc.Delay != 0 {
		t.Errorf("%s; want attempt 1 with no delay", describe(rc.Event))
	}
	op := awaitOpen(t, rec, &cur)
	echoRoundTrip(t, s, rec, &cur, "after drop")

	t.Logf("drop: close 1006 after %v, open again after %v", cl.At.Sub(start), op.At.Sub(start))
	if d := op.At.Sub(start); d > slack {
		t.Errorf("open again %v after drop, want within %v", d, slack)
	}
}

// TestNativeServerRestart: the server process goes away and comes back on
// the same address; the Socket retries while it is down and opens soon
// after it is back.
func TestNativeServerRestart(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, "listen", err)
	addr := ln.Addr().String()
	stop := serveEchoOn(t, ln)

	s, rec := connect(t, "ws://"+addr+"/echo", nil)
	cur := 0
	awaitOpen(t, rec, &cur)
	echoRoundTrip(t, s, rec, &cur, "before restart")

	stopped := time.Now()
	stop()
	cl := rec.await(t, &cur, wait, "close on shutdown", isType(wsbeat.EventClose))
	if !cl.WillReconnect {
		t.Fatalf("close on shutdown: %s; want willReconnect=true", describe(cl.Event))
	}
	// Retries fail while the port is closed.
	rec.await(t, &cur, wait, "third retry while down", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventReconnecting && e.Attempt >= 3
	})
	time.Sleep(200 * time.Millisecond)

	var ln2 net.Listener
	for deadline := time.Now().Add(5 * time.Second); ; {
		ln2, err = net.Listen("tcp", addr)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("listen again on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	restarted := time.Now()
	serveEchoOn(t, ln2)
	op := awaitOpen(t, rec, &cur)
	echoRoundTrip(t, s, rec, &cur, "after restart")

	t.Logf("restart: close %d %q after %v, down for %v, open %v after the restart (retry count %d)",
		cl.Close.Code, cl.Close.Reason, cl.At.Sub(stopped), restarted.Sub(stopped), op.At.Sub(restarted), op.RetryCount)
	if d, bound := op.At.Sub(restarted), maxDelay+slack; d > bound {
		t.Errorf("open %v after the restart, want within MaxReconnectionDelay+%v = %v", d, slack, bound)
	}
}

// TestNativeRejectBackoff: while the server refuses upgrades, the Socket
// retries with full-jitter backoff in growing windows, and opens once the
// server accepts again.
func TestNativeRejectBackoff(t *testing.T) {
	const window = time.Second
	srv := startEcho(t, echo.Config{})
	var drawMu sync.Mutex
	var draws []float64
	o := fastOptions()
	o.Rand = func() float64 {
		v := rand.Float64()
		drawMu.Lock()
		draws = append(draws, v)
		drawMu.Unlock()
		return v
	}
	s, rec := connect(t, srv.wsURL, o)
	cur := 0
	awaitReady(t, s, rec, &cur)

	from := cur
	start := time.Now()
	srv.control(t, fmt.Sprintf("reject?ms=%d", window.Milliseconds()))
	srv.control(t, "drop")
	op := rec.await(t, &cur, window+maxDelay+wait, "open after the reject window", isType(wsbeat.EventOpen))
	opened := op.At.Sub(start)

	var retries []stamped
	for _, e := range rec.since(from)[:cur-from] {
		if e.Type == wsbeat.EventReconnecting {
			retries = append(retries, e)
		}
	}
	drawMu.Lock()
	defer drawMu.Unlock()

	var log []string
	for i, e := range retries {
		a := i + 1
		if e.Attempt != a {
			t.Errorf("retry %d has attempt %d", a, e.Attempt)
		}
		if a == 1 {
			if e.Delay != 0 {
				t.Errorf("first retry after an open connection waits %v, want 0", e.Delay)
			}
			log = append(log, "#1 0 (immediate)")
			continue
		}
		// window for attempt a: min(max, min·grow^(a-1))
		w := time.Duration(math.Min(float64(maxDelay), float64(minDelay)*math.Pow(grow, float64(a-1))))
		if e.Delay < 0 || e.Delay > w {
			t.Errorf("attempt %d waits %v, outside [0, %v]", a, e.Delay, w)
		}
		// The delay is the jitter draw times the window: the window grows.
		if a-2 < len(draws) {
			if want := time.Duration(draws[a-2] * float64(w)); (e.Delay - want).Abs() > time.Microsecond {
				t.Errorf("attempt %d waits %v; draw %.3f of window %v is %v", a, e.Delay, draws[a-2], w, want)
			}
		}
		log = append(log, fmt.Sprintf("#%d %v of %v", a, e.Delay.Round(time.Millisecond), w.Round(time.Millisecond)))
	}
	if len(draws) != max(len(retries)-1, 0) {
		t.Errorf("%d jitter draws for %d delayed retries", len(draws), len(retries)-1)
	}
	t.Logf("reject %v: %d retries, open %v after the reject began; delays: %s", window, len(retries), opened, strings.Join(log, ", "))

	if len(retries) < 3 {
		t.Errorf("%d retries during a %v reject window, want at least 3", len(retries), window)
	}
	equal(t, "open event retryCount", op.RetryCount, len(retries))
	// The client may see the open before the server counts it; after an
	// echo it has.
	echoRoundTrip(t, s, rec, &cur, "after reject")
	st := srv.Stats()
	equal(t, "server rejected", st.Rejected, int64(len(retries)-1))
	equal(t, "server accepted", st.Accepted, int64(2))
	if opened < window {
		t.Errorf("open %v after the reject began, inside the %v window", opened, window)
	}
	if bound := window + maxDelay + slack; opened > bound {
		t.Errorf("open %v after the reject began, want within window+MaxReconnectionDelay+%v = %v", opened, slack, bound)
	}
}

// TestNativeQueuedMessagesDeliveredOnceInOrder: 1000 messages sent while
// disconnected (the default queue limit) all reach the server once and in
// order after the reconnect, and their echoes come back in order.
func TestNativeQueuedMessagesDeliveredOnceInOrder(t *testing.T) {
	const n = wsbeat.DefaultMaxEnqueuedMessages
	srv := startEcho(t, echo.Config{})
	s, rec := connect(t, srv.wsURL, nil)
	cur := 0
	awaitReady(t, s, rec, &cur)

	srv.control(t, "reset") // forget the readiness echo
	srv.control(t, "reject?ms=1000")
	srv.control(t, "drop")
	rec.await(t, &cur, wait, "close after drop", isType(wsbeat.EventClose))
	from := cur

	want := make([]string, n)
	for i := range want {
		want[i] = fmt.Sprintf("queued %04d", i)
		res, err := s.SendText(want[i])
		noErr(t, "SendText", err)
		if res != wsbeat.Queued {
			t.Fatalf("SendText #%d = %v, want queued (state %s)", i, res, s.State())
		}
	}
	equal(t, "QueuedMessages", s.QueuedMessages(), n)

	awaitOpen(t, rec, &cur)
	for i, text := range want {
		rec.await(t, &cur, wait, fmt.Sprintf("echo #%d", i), isType(wsbeat.EventMessage))
		if got := rec.since(cur - 1)[0]; !isText(text)(got.Event) {
			t.Fatalf("echo #%d is %s, want %q", i, describe(got.Event), text)
		}
	}
	equal(t, "QueuedMessages after reconnect", s.QueuedMessages(), 0)
	for _, e := range rec.since(from) {
		if e.Type == wsbeat.EventDrop {
			t.Errorf("unexpected %s", describe(e.Event))
		}
	}

	got := srv.messages(t)
	if len(got) != n {
		t.Fatalf("server received %d messages, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("server message #%d is %q, want %q", i, got[i], want[i])
		}
	}
	t.Logf("queue: %d messages queued while disconnected arrived once, in order", n)
}

// TestNativeCloseStopsRetries: Close while the Socket waits between failing
// attempts ends it: no further attempt reaches the server and no event
// follows the final close.
func TestNativeCloseStopsRetries(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	s, rec := connect(t, srv.wsURL, nil)
	cur := 0
	awaitReady(t, s, rec, &cur)

	srv.control(t, "reject?ms=10000")
	srv.control(t, "drop")
	rec.await(t, &cur, wait, "third retry", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventReconnecting && e.Attempt >= 3
	})
	s.Close(wsbeat.CodeNormal, "bye")
	// A failed attempt may end just before Close: skip its close event.
	cl := rec.await(t, &cur, wait, "final close", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventClose && !e.WillReconnect
	})
	if cl.Close.Code != wsbeat.CodeNormal || cl.Close.Reason != "bye" {
		t.Errorf("final close: %s; want 1000 \"bye\" willReconnect=false", describe(cl.Event))
	}
	equal(t, "State", s.State(), wsbeat.StateClosed)
	equal(t, "ReadyState", s.ReadyState(), wsbeat.Closed)
	if _, err := s.SendText("after close"); !errors.Is(err, wsbeat.ErrClosed) {
		t.Errorf("SendText after Close: %v, want ErrClosed", err)
	}

	// An attempt already on the wire may still be counted just after
	// Close; count from a moment later.
	time.Sleep(100 * time.Millisecond)
	before := srv.Stats()
	events := rec.len()
	time.Sleep(time.Second)
	after := srv.Stats()
	if after.Accepted != before.Accepted || after.Rejected != before.Rejected {
		t.Errorf("attempts after Close: accepted %d -> %d, rejected %d -> %d",
			before.Accepted, after.Accepted, before.Rejected, after.Rejected)
	}
	if rec.len() != cur || events != cur {
		t.Errorf("events after the final close:\n%s", rec.dump(cur))
	}
}

// TestNativeServerCloseCode: a close code that says a retry would fail the
// same way (1008) ends the Socket; an application code such as 4001 is
// followed by a reconnect.
func TestNativeServerCloseCode(t *testing.T) {
	t.Run("1008 terminal", func(t *testing.T) {
		srv := startEcho(t, echo.Config{})
		s, rec := connect(t, srv.wsURL, nil)
		cur := 0
		awaitReady(t, s, rec, &cur)

		srv.control(t, "close?code=1008&reason=policy")
		cl := rec.await(t, &cur, wait, "close", isType(wsbeat.EventClose))
		if cl.Close.Code != 1008 || cl.Close.Reason != "policy" || !cl.Close.WasClean || cl.WillReconnect {
			t.Fatalf("close: %s; want 1008 \"policy\" wasClean=true willReconnect=false", describe(cl.Event))
		}
		equal(t, "State", s.State(), wsbeat.StateClosed)
		equal(t, "ReadyState", s.ReadyState(), wsbeat.Closed)
		events := rec.len()
		time.Sleep(500 * time.Millisecond)
		if rec.len() != events {
			t.Errorf("events after a terminal close:\n%s", rec.dump(events))
		}
		equal(t, "server accepted", srv.Stats().Accepted, int64(1))
	})
	t.Run("4001 reconnects", func(t *testing.T) {
		srv := startEcho(t, echo.Config{})
		s, rec := connect(t, srv.wsURL, nil)
		cur := 0
		awaitReady(t, s, rec, &cur)

		srv.control(t, "close?code=4001&reason=again")
		cl := rec.await(t, &cur, wait, "close", isType(wsbeat.EventClose))
		if cl.Close.Code != 4001 || cl.Close.Reason != "again" || !cl.Close.WasClean || !cl.WillReconnect {
			t.Fatalf("close: %s; want 4001 \"again\" wasClean=true willReconnect=true", describe(cl.Event))
		}
		awaitOpen(t, rec, &cur)
		echoRoundTrip(t, s, rec, &cur, "after 4001")
		equal(t, "server accepted", srv.Stats().Accepted, int64(2))
	})
}

// TestNativeReconnectGoroutines: 200 reconnects, half by Reconnect and half
// by the server dropping the connection, leave no goroutine behind once the
// Socket is closed.
func TestNativeReconnectGoroutines(t *testing.T) {
	const rounds = 200
	srv := startEcho(t, echo.Config{})
	base := runtime.NumGoroutine()

	o := fastOptions()
	o.HeartbeatInterval, o.HeartbeatTimeout = 100*time.Millisecond, 3*time.Second
	s, rec := connect(t, srv.wsURL, o)
	cur := 0
	awaitOpen(t, rec, &cur)
	start := time.Now()
	for i := range rounds {
		if i%2 == 0 {
			s.Reconnect(wsbeat.CodeNormal, "again")
			awaitReady(t, s, rec, &cur) // registered: the next drop reaches it
		} else {
			srv.control(t, "drop")
			awaitOpen(t, rec, &cur)
		}
	}
	echoRoundTrip(t, s, rec, &cur, "after reconnects")
	during := runtime.NumGoroutine()
	elapsed := time.Since(start)

	s.Close(wsbeat.CodeNormal, "done")
	rec.await(t, &cur, wait, "final close", func(e wsbeat.Event) bool {
		return e.Type == wsbeat.EventClose && !e.WillReconnect
	})
	const allowance = 3
	deadline := time.Now().Add(wait)
	for {
		n := runtime.NumGoroutine()
		if n <= base+allowance && srv.Stats().Open == 0 {
			t.Logf("goroutines: %d reconnects in %v; %d at start, %d while open, %d after Close", rounds, elapsed.Round(time.Millisecond), base, during, n)
			break
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines %v after Close, started with %d (server open %d):\n%s", n, wait, base, srv.Stats().Open, buf)
		}
		time.Sleep(20 * time.Millisecond)
	}
	equal(t, "server accepted", srv.Stats().Accepted, int64(rounds+1))
}

// TestNativeHeartbeatRTT: an answered ping gives LastRTT and a heartbeat
// event; the pong is not delivered as a message.
func TestNativeHeartbeatRTT(t *testing.T) {
	srv := startEcho(t, echo.Config{})
	o := fastOptions()
	o.HeartbeatInterval, o.HeartbeatTimeout = 100*time.Millisecond, 3*time.Second
	s, rec := connect(t, srv.wsURL, o)
	cur := 0
	awaitOpen(t, rec, &cur)
	from := cur

	hb := rec.await(t, &cur, wait, "heartbeat", isType(wsbeat.EventHeartbeat))
	rtt, ok := s.LastRTT()
	if !ok || rtt <= 0 || rtt > slack {
		t.Errorf("LastRTT = %v, %v after a heartbeat; want a positive RTT", rtt, ok)
	}
	if hb.RTT <= 0 || hb.RTT > slack {
		t.Errorf("heartbeat event RTT = %v, want positive", hb.RTT)
	}
	for _, e := range rec.since(from) {
		if e.Type == wsbeat.EventMessage {
			t.Errorf("pong delivered: %s", describe(e.Event))
		}
	}
	if st := srv.Stats(); st.Received < 1 {
		t.Errorf("server received %d messages, want the ping", st.Received)
	}
	if msgs := srv.messages(t); len(msgs) != 0 {
		t.Errorf("server logged %q; pings are not application messages", msgs)
	}
	t.Logf("heartbeat: rtt %v (event %v)", rtt, hb.RTT)
}

// TestNativeServerKeepalive: a server that sends its own keepalive more
// often than the client's heartbeat interval keeps the client from pinging,
// and the connection stays open.
func TestNativeServerKeepalive(t *testing.T) {
	srv := startEcho(t, echo.Config{Keepalive: 100 * time.Millisecond})
	o := fastOptions()
	o.HeartbeatInterval, o.HeartbeatTimeout = 300*time.Millisecond, 300*time.Millisecond
	s, rec := connect(t, srv.wsURL, o)
	cur := 0
	awaitOpen(t, rec, &cur)
	from := cur

	time.Sleep(time.Second)
	st := srv.Stats()
	equal(t, "server received (client pings)", st.Received, int64(0))
	if st.Sent < 3 {
		t.Errorf("server sent %d keepalives in 1s at 100ms, want several", st.Sent)
	}
	equal(t, "State", s.State(), wsbeat.StateOpen)
	if extra := rec.since(from); len(extra) > 0 {
		t.Errorf("events while kept alive:\n%s", rec.dump(from))
	}
	t.Logf("keepalive: server sent %d keepalives in 1s, client sent %d messages", st.Sent, st.Received)
}
