package wsbeat

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// This file holds the engine tests' fakes: a Transport whose attempts the
// test drives by hand, Clocks that misbehave as throttled browser tabs do,
// an event recorder, a harness tying them to a Socket inside a synctest
// bubble, and a tiny assert helper.

// errFakeNotOpen is what a fake conn's Send returns once it is gone.
var errFakeNotOpen = errors.New("fake: connection not open")

// fakeTransport is a Transport whose attempts the test drives by hand: Dial
// only records the attempt, and the test reports its outcome through the
// returned fakeConn.
type fakeTransport struct {
	mu       sync.Mutex
	conns    []*fakeConn
	dialErr  error         // if set, every Dial fails with it
	autoPong time.Duration // if > 0, conns answer "ping" with "pong" after it
	wireLog  []wireMsg     // everything sent on any conn, in order
}

// wireAll returns everything sent on any conn, in order.
func (t *fakeTransport) wireAll() []wireMsg { return t.wireSince(0) }

// wireSince returns what was sent on any conn after the first i messages.
func (t *fakeTransport) wireSince(i int) []wireMsg {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.wireLog[min(i, len(t.wireLog)):])
}

func (t *fakeTransport) wireLen() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.wireLog)
}

func (t *fakeTransport) Dial(url string, protocols []string, ev ConnEvents) (Conn, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dialErr != nil {
		return nil, t.dialErr
	}
	c := &fakeConn{
		id:        len(t.conns),
		url:       url,
		protocols: slices.Clone(protocols),
		ev:        ev,
		dialedAt:  time.Now(),
		tr:        t,
	}
	t.conns = append(t.conns, c)
	return c, nil
}

func (t *fakeTransport) setDialErr(err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dialErr = err
}

func (t *fakeTransport) setAutoPong(d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.autoPong = d
}

func (t *fakeTransport) pongDelay() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.autoPong
}

// count returns how many attempts were dialled.
func (t *fakeTransport) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.conns)
}

// conn returns attempt i (0 is the first).
func (t *fakeTransport) conn(i int) *fakeConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	if i < 0 || i >= len(t.conns) {
		panic(fmt.Sprintf("fake transport: no conn %d (have %d)", i, len(t.conns)))
	}
	return t.conns[i]
}

// last returns the latest attempt.
func (t *fakeTransport) last() *fakeConn {
	t.mu.Lock()
	n := len(t.conns)
	t.mu.Unlock()
	return t.conn(n - 1)
}

// all returns every attempt so far.
func (t *fakeTransport) all() []*fakeConn { return t.since(0) }

// since returns the attempts after the first i.
func (t *fakeTransport) since(i int) []*fakeConn {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.conns[min(i, len(t.conns)):])
}

// wireMsg is a message a fake conn was asked to send, and when.
type wireMsg struct {
	Message
	at   time.Time
	conn int
}

// fakeConn is one attempt of the fake transport.
type fakeConn struct {
	id        int
	url       string
	protocols []string
	ev        ConnEvents
	dialedAt  time.Time
	tr        *fakeTransport

	mu           sync.Mutex
	sent         []wireMsg
	closeCalls   []CloseInfo
	abandoned    bool
	abandons     int // Abandon calls; more than one is an engine bug
	abandonInfo  CloseInfo
	abandonedAt  time.Time
	opened       bool
	closedByPeer bool // the test reported Closed
	sendErr      error
	lastReceived time.Time
	buffered     int
	bufferSends  bool // Send adds text to buffered, as a browser's bufferedAmount does
}

// --- Conn, called by the engine ---

func (c *fakeConn) Send(m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.abandoned || c.closedByPeer {
		return errFakeNotOpen
	}
	if c.sendErr != nil {
		return c.sendErr
	}
	w := wireMsg{m, time.Now(), c.id}
	c.sent = append(c.sent, w)
	if c.bufferSends {
		t, _ := m.Text()
		c.buffered += len(t)
	}
	c.tr.mu.Lock()
	c.tr.wireLog = append(c.tr.wireLog, w)
	c.tr.mu.Unlock()
	if t, ok := m.Text(); ok && t == DefaultHeartbeatMessage && c.tr.pongDelay() > 0 {
		// A timer, not a goroutine, so that nothing sleeps when a test ends.
		time.AfterFunc(c.tr.pongDelay(), func() {
			if c.live() {
				c.ev.Received(Text(DefaultHeartbeatResponse))
			}
		})
	}
	return nil
}

func (c *fakeConn) Close(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closeCalls = append(c.closeCalls, CloseInfo{Code: code, Reason: reason})
}

func (c *fakeConn) Abandon(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.abandons++
	if c.abandoned {
		return // abandons > 1: the fuzz target and the harness fail on it
	}
	c.abandoned = true
	c.abandonInfo = CloseInfo{Code: code, Reason: reason}
	c.abandonedAt = time.Now()
}

func (c *fakeConn) LastReceived() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastReceived
}

func (c *fakeConn) BufferedAmount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buffered
}

// --- driving the attempt, called by the test (never under c.mu, since the
// engine may call back into the conn) ---

func (c *fakeConn) open() { c.openWith("", "") }

func (c *fakeConn) openWith(protocol, extensions string) {
	c.mu.Lock()
	c.opened = true
	c.mu.Unlock()
	c.ev.Opened(protocol, extensions)
}

func (c *fakeConn) recv(text string) { c.ev.Received(Text(text)) }

func (c *fakeConn) fail(err error) { c.ev.Failed(err) }

// peerClose reports the end of the attempt, as a transport would.
func (c *fakeConn) peerClose(code int, reason string, wasClean bool) {
	c.mu.Lock()
	c.closedByPeer = true
	c.mu.Unlock()
	c.ev.Closed(code, reason, wasClean)
}

// setLastReceived is the browser's fast path: a message arrived that the
// transport delivered by itself.
func (c *fakeConn) setLastReceived(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.lastReceived = at
}

func (c *fakeConn) setBuffered(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buffered = n
}

func (c *fakeConn) setSendErr(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sendErr = err
}

// --- inspecting ---

// live reports whether the engine still holds this conn as its own: not
// abandoned and not reported closed.
func (c *fakeConn) live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !c.abandoned && !c.closedByPeer
}

func (c *fakeConn) abandonCalls() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.abandons
}

func (c *fakeConn) isOpened() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.opened
}

func (c *fakeConn) isClosedByPeer() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closedByPeer
}

func (c *fakeConn) isAbandoned() (bool, CloseInfo, time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.abandoned, c.abandonInfo, c.abandonedAt
}

func (c *fakeConn) closes() []CloseInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.closeCalls)
}

func (c *fakeConn) wire() []wireMsg {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.sent)
}

// texts returns the text of every message sent on c, pings included.
func (c *fakeConn) texts() []string {
	var out []string
	for _, m := range c.wire() {
		t, _ := m.Text()
		out = append(out, t)
	}
	return out
}

// pings returns when each ping ("ping") was sent on c.
func (c *fakeConn) pings() []time.Time {
	var out []time.Time
	for _, m := range c.wire() {
		if t, ok := m.Text(); ok && t == DefaultHeartbeatMessage {
			out = append(out, m.at)
		}
	}
	return out
}

// --- clocks ---

// lateClock fires every timer late by a fixed amount, as a throttled or
// frozen browser tab does.
type lateClock struct{ late time.Duration }

func (c lateClock) Now() time.Time { return time.Now() }

func (c lateClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(d+c.late, f)
}

// unstoppableClock is a clock whose Stop never stops anything: every timer
// fires. The engine promises not to rely on Stop, so it must behave the
// same on it; timers also fire late by late.
type unstoppableClock struct{ late time.Duration }

func (c unstoppableClock) Now() time.Time { return time.Now() }

func (c unstoppableClock) AfterFunc(d time.Duration, f func()) Timer {
	time.AfterFunc(d+c.late, f)
	return unstoppable{}
}

type unstoppable struct{}

func (unstoppable) Stop() bool { return false }

// countingClock is the system clock that counts the timers still pending,
// to find timers the engine forgets to stop.
type countingClock struct {
	mu      sync.Mutex
	pending map[*countedTimer]bool
	created int
}

type countedTimer struct {
	c *countingClock
	t *time.Timer
}

func (c *countingClock) Now() time.Time { return time.Now() }

func (c *countingClock) AfterFunc(d time.Duration, f func()) Timer {
	ct := &countedTimer{c: c}
	c.mu.Lock()
	if c.pending == nil {
		c.pending = map[*countedTimer]bool{}
	}
	c.pending[ct] = true
	c.created++
	ct.t = time.AfterFunc(d, func() {
		c.mu.Lock()
		delete(c.pending, ct)
		c.mu.Unlock()
		f()
	})
	c.mu.Unlock()
	return ct
}

func (t *countedTimer) Stop() bool {
	ok := t.t.Stop()
	if ok {
		t.c.mu.Lock()
		delete(t.c.pending, t)
		t.c.mu.Unlock()
	}
	return ok
}

func (c *countingClock) stats() (pending, created int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.pending), c.created
}

// --- randomness ---

// seqRand returns the values in turn, then repeats the last one.
func seqRand(vals ...float64) func() float64 {
	var mu sync.Mutex
	i := 0
	return func() float64 {
		mu.Lock()
		defer mu.Unlock()
		v := vals[min(i, len(vals)-1)]
		i++
		return v
	}
}

// varRand returns whatever the test set last (0 at first).
type varRand struct{ bits atomic.Uint64 }

func (r *varRand) set(v float64) { r.bits.Store(math.Float64bits(v)) }
func (r *varRand) draw() float64 { return math.Float64frombits(r.bits.Load()) }

// --- events ---

// recorded is one delivered event, with when it was delivered (since the
// harness started) and the Socket's State() during its delivery.
type recorded struct {
	Event
	at    time.Duration
	state State
}

// recorder keeps the events a Socket delivers.
type recorder struct {
	mu     sync.Mutex
	t0     time.Time
	sock   atomic.Pointer[Socket]
	events []recorded
	inside atomic.Int32 // handlers running now; must never exceed 1
	nested atomic.Bool
}

func (r *recorder) on(e Event) {
	if r.inside.Add(1) > 1 {
		r.nested.Store(true)
	}
	defer r.inside.Add(-1)
	rec := recorded{Event: e, at: time.Since(r.t0), state: -1}
	if s := r.sock.Load(); s != nil {
		rec.state = s.State()
	}
	r.mu.Lock()
	r.events = append(r.events, rec)
	r.mu.Unlock()
}

func (r *recorder) all() []recorded { return r.since(0) }

// since returns the events recorded after the first i.
func (r *recorder) since(i int) []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events[min(i, len(r.events)):])
}

// take returns the events recorded so far and forgets them.
func (r *recorder) take() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.events
	r.events = nil
	return out
}

func (r *recorder) of(typ EventType) []recorded {
	var out []recorded
	for _, e := range r.all() {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// types returns the names of the recorded events, statechange shown with
// its new state, such as "statechange:open".
func types(evs []recorded) []string {
	var out []string
	for _, e := range evs {
		if e.Type == EventStateChange {
			out = append(out, "statechange:"+e.State.String())
			continue
		}
		out = append(out, e.Type.String())
	}
	return out
}

// --- harness ---

// harness is a Socket on a fake transport inside a synctest bubble.
type harness struct {
	t    *testing.T
	tr   *fakeTransport
	rec  *recorder
	s    *Socket
	t0   time.Time
	logs *logSink
}

const testURL = "ws://example.test/feed"

// newHarness starts a Socket on a fake transport with o (nil: defaults),
// after filling in the fakes: Transport, OnEvent (o.OnEvent still runs,
// after the recorder), Rand (0.5 unless set) and Logf. It must run inside
// a synctest bubble.
func newHarness(t *testing.T, o *Options) *harness {
	t.Helper()
	h := &harness{t: t, tr: &fakeTransport{}, rec: &recorder{}, t0: time.Now(), logs: &logSink{}}
	h.rec.t0 = h.t0
	var opts Options
	if o != nil {
		opts = *o
	}
	if opts.Transport == nil {
		opts.Transport = h.tr
	}
	user := opts.OnEvent
	opts.OnEvent = func(e Event) {
		h.rec.on(e)
		if user != nil {
			user(e)
		}
	}
	if opts.Rand == nil {
		opts.Rand = func() float64 { return 0.5 }
	}
	if opts.Logf == nil {
		opts.Logf = h.logs.logf
	}
	s, err := New(testURL, &opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	h.s = s
	h.rec.sock.Store(s)
	synctest.Wait()
	t.Cleanup(func() {
		// Leave nothing running when the bubble ends.
		s.Close(CodeNormal, "")
		synctest.Wait()
		if h.rec.nested.Load() {
			t.Error("an event was delivered while another was being delivered")
		}
		for _, c := range h.tr.all() {
			if n := c.abandonCalls(); n > 1 {
				t.Errorf("conn %d abandoned %d times", c.id, n)
			}
		}
	})
	return h
}

// advance lets d of fake time pass and waits for what it set off.
func (h *harness) advance(d time.Duration) {
	time.Sleep(d)
	synctest.Wait()
}

// elapsed is the fake time since the harness started.
func (h *harness) elapsed() time.Duration { return time.Since(h.t0) }

// openNext opens the latest attempt and waits for the engine.
func (h *harness) openNext() *fakeConn {
	h.t.Helper()
	c := h.tr.last()
	c.open()
	synctest.Wait()
	return c
}

// wantState fails unless the Socket is in st.
func (h *harness) wantState(st State) {
	h.t.Helper()
	eq(h.t, "state", h.s.State(), st)
}

// logSink collects Logf lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// --- assert ---

// eq fails the test now unless got == want.
func eq[T comparable](t testing.TB, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s: got %v, want %v", what, got, want)
	}
}

// deepEq fails the test now unless got deeply equals want.
func deepEq(t testing.TB, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %#v\n want %#v", what, got, want)
	}
}

// check fails the test now unless ok.
func check(t testing.TB, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(format, args...)
	}
}

// errIs fails the test now unless errors.Is(err, target).
func errIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v: want one wrapping %v", err, target)
	}
}
