package wsbeat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// FuzzEngine drives a Socket on the fake transport with a sequence of
// operations decoded from the input — transport reports for the current or
// an old attempt, fake time passing, and every user call — and checks the
// engine's invariants after each one.
//
// Input: 4 bytes of options, then operations of 2 bytes (opcode, argument).
func FuzzEngine(f *testing.F) {
	seq := func(opts [4]byte, ops ...byte) []byte { return append(opts[:], ops...) }
	// A plain life: queue, open, messages, ping and pong, drop, retry.
	f.Add(seq([4]byte{0x10, 0x00, 0x00, 0x00},
		opSend, 5, opSend, 9, opOpen, 0, opRecv, 0, opAdvance, 0x85, opRecvPong, 0,
		opAdvance, 0x90, opSend, 1, opPeerClose, 2, opAdvance, 0x10, opOpen, 0, opSend, 3))
	// Heartbeat death, then the dead conn reports late.
	f.Add(seq([4]byte{0x00, 0x00, 0x00, 0x00},
		opOpen, 0, opSend, 1, opAdvance, 0xff, opAdvance, 0xff, opOldEvent, 0x00, opOldEvent, 0x11,
		opOldEvent, 0x23, opOpen, 0, opSend, 2))
	// User Close in every state, Reconnect after it.
	f.Add(seq([4]byte{0x03, 0x00, 0x00, 0x00},
		opSend, 1, opClose, 0, opSend, 2, opReconnect, 0, opOpen, 0, opClose, 1, opRecv, 0,
		opAdvance, 0x82, opPeerClose, 0, opReconnect, 1, opPeerClose, 2, opClose, 2, opAdvance, 0xc0))
	// Overflow policies with tiny limits.
	f.Add(seq([4]byte{0x21, 0x05, 0x00, 0x00},
		opSend, 40, opSend, 60, opSend, 2, opSend, 200, opSend, 7, opOpen, 0, opSend, 1))
	f.Add(seq([4]byte{0x42, 0x06, 0x00, 0x00},
		opSend, 40, opSend, 60, opSend, 2, opSend, 200, opOpen, 0))
	f.Add(seq([4]byte{0x04, 0x00, 0x00, 0x00},
		opSend, 20, opSend, 20, opSend, 50, opSend, 0x80|60, opOpen, 0))
	// Flapping with MaxRetries, then giving up and a Reconnect.
	f.Add(seq([4]byte{0x00, 0x40, 0x00, 0x00},
		opOpen, 0, opPeerClose, 2, opOpen, 0, opPeerClose, 2, opAdvance, 0x40, opPeerClose, 2,
		opAdvance, 0x40, opPeerClose, 2, opAdvance, 0x40, opPeerClose, 2, opReconnect, 0))
	// Probe, offline, Pause, Resume; a failing send path.
	f.Add(seq([4]byte{0x00, 0x00, 0x00, 0x00},
		opOpen, 0, opProbe, 0, opAdvance, 0x83, opOffline, 0, opPeerClose, 2, opAdvance, 0x20,
		opOnline, 0, opOpen, 0, opPause, 0, opSend, 1, opResume, 0, opSendFails, 0, opOpen, 0,
		opSend, 2, opPeerClose, 2, opOpen, 0))
	// Late timers, URL function, fast-path life.
	f.Add(seq([4]byte{0x00, 0x00, 0x0b, 0x00},
		opAdvance, 0x01, opOpen, 0, opFastPath, 0, opAdvance, 0xc1, opFastPath, 0, opAdvance, 0xc1,
		opConnFail, 0, opPeerClose, 4, opAdvance, 0xc2, opOpen, 0, opAdvance, 0xff))
	// Terminal close codes, Close while closing, Close during a wait.
	f.Add(seq([4]byte{0x00, 0x80, 0x04, 0x00},
		opAdvance, 0x82, opOpen, 0, opPeerClose, 5, opReconnect, 0, opAdvance, 0x82, opOpen, 0,
		opClose, 0, opAdvance, 0xc0, opReconnect, 0, opAdvance, 0x82, opPeerClose, 2, opClose, 0))

	// Old attempts report while a newer connection is open.
	f.Add(seq([4]byte{0x00, 0x01, 0x00, 0x00},
		opOpen, 0, opReconnect, 0, opOpen, 0, opOldEvent, 0x00, opOldEvent, 0x01, opOldEvent, 0x02,
		opOldEvent, 0x03, opPause, 0, opResume, 0, opOpen, 0, opOldEvent, 0x04, opOldEvent, 0x00))

	// A clock whose Stop never works: Resume, Reconnect and Close during
	// waits, probes replacing heartbeat timers.
	f.Add(seq([4]byte{0x00, 0x00, 0x08, 0x00},
		opPeerClose, 2, opResume, 0, opPeerClose, 2, opReconnect, 0, opAdvance, 0x82, opOpen, 0,
		opProbe, 0, opRecvPong, 0, opAdvance, 0xc2, opPeerClose, 2, opPause, 0, opResume, 0,
		opAdvance, 0x81, opPeerClose, 2, opClose, 0, opAdvance, 0xc1, opReconnect, 0, opAdvance, 0xc8))
	f.Add(seq([4]byte{0x00, 0x00, 0x09, 0x00},
		opOpen, 0, opAdvance, 0xc5, opProbe, 0, opAdvance, 0xc5, opPeerClose, 2, opResume, 0,
		opAdvance, 0xff, opOpen, 0, opClose, 0, opAdvance, 0xff))

	f.Fuzz(func(t *testing.T, data []byte) {
		synctest.Test(t, func(t *testing.T) {
			newFuzzRun(t, data).run()
		})
	})
}

// Operations, the first byte of each pair (mod opCount).
const (
	opOpen      = iota // the current attempt opens
	opRecv             // the current connection receives a message
	opRecvPong         // ... a pong
	opConnFail         // the current attempt reports Failed
	opPeerClose        // the current attempt reports Closed; arg picks the code
	opOldEvent         // an older attempt reports something
	opAdvance          // fake time passes; arg picks how much
	opSend             // Send; arg picks the size
	opClose            // Close; arg picks the code
	opReconnect        // Reconnect
	opProbe            // Probe
	opResume           // Resume
	opOffline          // SetOnline(false)
	opOnline           // SetOnline(true)
	opPause            // Pause
	opSendFails        // the current conn's Send starts failing
	opFastPath         // the current conn's LastReceived moves to now
	opCount
)

var fuzzCloseCodes = []int{1000, 1001, 1006, 1011, 4000, 1002, 1008, 4400, 4499, 4500, 1015}

type fuzzRun struct {
	t    *testing.T
	data []byte
	pos  int

	tr   *fakeTransport
	rec  *recorder
	s    *Socket
	opts Options

	// message accounting, by id
	nextID   int
	accepted map[int]bool // Send returned Sent or Queued
	refused  map[int]bool // Send returned an error
	onWire   map[int]int  // how often each id went out
	dropped  map[int]int  // how often each id was in a drop event
	lastWire int          // index into the transport's wire log already checked
	lastID   int          // highest id seen on the wire

	// event accounting
	seen           int   // events already checked
	lastState      State // from the last statechange, or the initial state
	userClosed     bool  // Close was called and no Reconnect since
	final          bool  // the Socket is closed for good: no event may follow
	attemptsAtC    int   // attempts when the Socket closed by itself
	closedByItself bool
	justGaveUp     bool // closed by itself during the last step

	// timing: a retry starts no earlier than its reconnecting event said,
	// unless the user cut the wait short
	retryAt       time.Duration // -1: no retry pending
	retryCutShort bool
	urlFunc       bool
	ended         int // attempts known to have ended, a prefix
}

func newFuzzRun(t *testing.T, data []byte) *fuzzRun {
	r := &fuzzRun{
		t: t, data: data,
		tr:       &fakeTransport{},
		rec:      &recorder{t0: time.Now()},
		accepted: map[int]bool{}, refused: map[int]bool{},
		onWire: map[int]int{}, dropped: map[int]int{},
	}
	b0, b1, b2, b3 := r.next(), r.next(), r.next(), r.next()
	o := Options{
		Transport:         r.tr,
		OnEvent:           r.rec.on,
		ConnectionTimeout: 4 * time.Second,
		MinUptime:         5 * time.Second,
		HeartbeatInterval: 25 * time.Second,
		HeartbeatTimeout:  10 * time.Second,
	}
	o.MaxEnqueuedMessages = []int{0, 3, 1, -1}[b0&3]
	o.MaxEnqueuedBytes = []int{0, 64, 16, -1}[b0>>2&3]
	o.Overflow = Overflow(b0 >> 4 & 3 % 3)
	o.StartClosed = b0&0x80 != 0
	o.MaxRetries = []int{0, 3, -1, 1}[b1>>6&3]
	o.HeartbeatInterval = []time.Duration{25 * time.Second, -1, 2 * time.Second, time.Minute}[b1&3]
	o.HeartbeatTimeout = []time.Duration{10 * time.Second, time.Second, 30 * time.Second, 10 * time.Second}[b1>>2&3]
	o.DeliverHeartbeats = b1&0x10 != 0
	switch b2&1 | b2>>2&2 {
	case 1:
		o.Clock = lateClock{late: time.Minute}
	case 2:
		o.Clock = unstoppableClock{}
	case 3:
		o.Clock = unstoppableClock{late: 30 * time.Second}
	}
	seed := uint64(b3) | 1
	o.Rand = func() float64 { // xorshift: deterministic jitter
		seed ^= seed << 13
		seed ^= seed >> 7
		seed ^= seed << 17
		return float64(seed>>11) / (1 << 53)
	}
	if b0&0x40 != 0 {
		o.MinUptime = time.Second
	}
	r.opts = o
	var err error
	switch b2 >> 1 & 3 {
	case 1: // a URL function that sometimes fails or blocks
		var calls atomic.Int32
		r.s, err = NewFunc(func(ctx context.Context) (string, error) {
			switch n := calls.Add(1); n % 5 {
			case 2:
				return "", errors.New("token service down")
			case 4:
				<-ctx.Done()
				return "", ctx.Err()
			default:
				return fmt.Sprintf("ws://example.test/%d", n), nil
			}
		}, &o)
	case 2: // a URL function that is slow
		r.s, err = NewFunc(func(ctx context.Context) (string, error) {
			select {
			case <-time.After(3 * time.Second):
				return testURL, nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}, &o)
	default:
		r.s, err = New(testURL, &o)
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r.rec.sock.Store(r.s)
	r.retryAt = -1
	r.urlFunc = b2>>1&3 != 0
	r.lastState = StateConnecting
	if o.StartClosed {
		r.lastState = StateClosed
	}
	return r
}

func (r *fuzzRun) next() byte {
	if r.pos >= len(r.data) {
		return 0
	}
	b := r.data[r.pos]
	r.pos++
	return b
}

func (r *fuzzRun) run() {
	t := r.t
	defer func() {
		r.s.Close(CodeNormal, "")
		synctest.Wait()
		r.check("final Close")
	}()
	synctest.Wait()
	r.check("start")
	for step := 0; r.pos+1 < len(r.data) && step < 500; step++ {
		op, arg := r.next()%opCount, r.next()
		desc := r.do(op, arg)
		synctest.Wait()
		t.Logf("%v step %d: %s -> %v", time.Since(r.rec.t0), step, desc, r.s.State())
		if t.Failed() {
			return
		}
		r.check(fmt.Sprintf("step %d (%s)", step, desc))
	}
}

// current returns the latest attempt, if any.
func (r *fuzzRun) current() *fakeConn {
	if r.tr.count() == 0 {
		return nil
	}
	return r.tr.last()
}

func (r *fuzzRun) do(op, arg byte) string {
	s := r.s
	c := r.current()
	switch op {
	case opOpen:
		if c != nil && c.live() && !c.isOpened() {
			c.openWith("p", "")
			return "open"
		}
	case opRecv:
		if c != nil && c.live() && c.isOpened() {
			c.recv("news")
			return "recv"
		}
	case opRecvPong:
		if c != nil && c.live() && c.isOpened() {
			c.recv(DefaultHeartbeatResponse)
			return "pong"
		}
	case opConnFail:
		if c != nil && c.live() {
			c.fail(errors.New("fuzz failure"))
			return "failed"
		}
	case opPeerClose:
		if c != nil && c.live() {
			code := fuzzCloseCodes[int(arg)%len(fuzzCloseCodes)]
			c.peerClose(code, "fuzz", code != CodeAbnormal)
			return fmt.Sprintf("peer close %d", code)
		}
	case opOldEvent:
		n := r.tr.count()
		if n == 0 {
			return "no conn"
		}
		old := r.tr.conn(int(arg>>2) % n)
		if old.isClosedByPeer() {
			return "old conn already closed"
		}
		switch arg & 3 {
		case 0:
			if !old.isOpened() {
				old.openWith("", "")
				return fmt.Sprintf("conn %d opens", old.id)
			}
			if old == c && c.live() {
				old.recv("news")
			} else {
				old.recv("stale") // must never be delivered
			}
			return fmt.Sprintf("conn %d receives", old.id)
		case 1:
			old.recv(DefaultHeartbeatResponse)
			return fmt.Sprintf("conn %d pongs", old.id)
		case 2:
			old.fail(errors.New("late failure"))
			return fmt.Sprintf("conn %d fails", old.id)
		default:
			old.peerClose(CodeAbnormal, "late", false)
			return fmt.Sprintf("conn %d closes", old.id)
		}
	case opAdvance:
		var d time.Duration
		switch arg >> 6 {
		case 0:
			d = time.Duration(arg&63+1) * time.Millisecond * 10
		case 1:
			d = time.Duration(arg&63+1) * 250 * time.Millisecond
		case 2:
			d = time.Duration(arg&63+1) * time.Second
		default:
			d = time.Duration(arg&63+1) * 10 * time.Second
		}
		time.Sleep(d)
		return "advance " + d.String()
	case opSend:
		return r.send(int(arg))
	case opClose:
		code := []int{CodeNormal, 0, 4001, 3000}[arg&3]
		s.Close(code, "fuzz close")
		r.userClosed = true
		synctest.Wait()
		r.drain()
		if s.State() == StateClosed {
			r.final = true
		}
		return fmt.Sprintf("Close(%d)", code)
	case opReconnect:
		r.retryCutShort = true
		r.drain()
		r.userClosed, r.final, r.closedByItself = false, false, false
		s.Reconnect([]int{0, 4002}[arg&1], "fuzz")
		return "Reconnect"
	case opProbe:
		s.Probe()
		return "Probe"
	case opResume:
		r.retryCutShort = true
		s.Resume()
		return "Resume"
	case opOffline:
		s.SetOnline(false)
		return "offline"
	case opOnline:
		r.retryCutShort = true
		s.SetOnline(true)
		return "online"
	case opPause:
		r.retryCutShort = true
		s.Pause()
		return "Pause"
	case opSendFails:
		if c != nil && c.live() {
			c.setSendErr(errors.New("broken pipe"))
			return "send fails"
		}
	case opFastPath:
		if c != nil && c.live() && c.isOpened() {
			c.setLastReceived(time.Now())
			return "fast-path message"
		}
	}
	return "nothing"
}

// send sends one tracked message, "#id" padded to a size picked by arg,
// text or binary.
func (r *fuzzRun) send(arg int) string {
	id := r.nextID
	r.nextID++
	body := "#" + strconv.Itoa(id) + "."
	if n := arg & 0x7f; n > len(body) {
		body += strings.Repeat(".", n-len(body))
	}
	m := Text(body)
	if arg&0x80 != 0 {
		m = Binary([]byte(body))
	}
	wireBefore := r.tr.wireLen()
	res, err := r.s.Send(m)
	synctest.Wait()
	switch {
	case err != nil:
		r.refused[id] = true
		if r.userClosed {
			check(r.t, errors.Is(err, ErrClosed), "Send after Close: %v, want ErrClosed", err)
		} else {
			check(r.t, errors.Is(err, ErrQueueFull), "Send: unexpected error %v", err)
			check(r.t, r.opts.Overflow == OverflowError, "ErrQueueFull with overflow %v", r.opts.Overflow)
		}
	case res == Sent:
		r.accepted[id] = true
		w := r.tr.wireSince(wireBefore)
		check(r.t, len(w) == 1 && trackedID(w[0].Message) == id,
			"Send returned Sent but message %d is not the last on the wire", id)
	case res == Queued:
		r.accepted[id] = true
	case res == Dropped:
		check(r.t, r.opts.Overflow != OverflowError, "Dropped with overflow %v", r.opts.Overflow)
	default:
		r.t.Fatalf("Send returned %v", res)
	}
	if err != nil {
		return fmt.Sprintf("Send #%d (%d bytes): %v", id, m.Size, err)
	}
	return fmt.Sprintf("Send #%d (%d bytes) = %v", id, m.Size, res)
}

// trackedID returns the id of a message sent by send, or -1.
func trackedID(m Message) int {
	var s string
	switch d := m.Data.(type) {
	case string:
		s = d
	case []byte:
		s = string(d)
	}
	if !strings.HasPrefix(s, "#") {
		return -1
	}
	end := strings.IndexByte(s, '.')
	if end < 0 {
		return -1
	}
	id, err := strconv.Atoi(s[1:end])
	if err != nil {
		return -1
	}
	return id
}

// drain checks the events delivered since the last check.
func (r *fuzzRun) drain() {
	t := r.t
	evs := r.rec.since(r.seen)
	for _, e := range evs {
		check(t, !r.final, "event %v after the final close event", types([]recorded{e}))
		switch e.Type {
		case EventStateChange:
			eq(t, "statechange Previous", e.Previous, r.lastState)
			r.lastState = e.State
			if e.State == StateConnecting && r.retryAt >= 0 {
				check(t, r.retryCutShort || e.at >= r.retryAt,
					"retry started at %v, before the %v its reconnecting event gave", e.at, r.retryAt)
				r.retryAt = -1
			}
		case EventReconnecting:
			check(t, e.Delay >= 0, "negative retry delay %v", e.Delay)
			r.retryAt, r.retryCutShort = e.at+e.Delay, false
		case EventDrop:
			check(t, len(e.Dropped) > 0, "empty drop event")
			check(t, e.DropReason == DropOverflow || e.DropReason == DropClosed, "drop reason %q", e.DropReason)
			for _, m := range e.Dropped {
				id := trackedID(m)
				check(t, id >= 0, "dropped an untracked message %v", m)
				r.dropped[id]++
				check(t, r.dropped[id] == 1, "message %d dropped twice", id)
				check(t, r.onWire[id] == 0, "message %d dropped after it was sent", id)
			}
		case EventMessage:
			text, _ := e.Message.Text()
			check(t, text != "stale", "a message of an attempt the engine gave up on was delivered")
		case EventClose:
			if !e.WillReconnect {
				if r.userClosed {
					r.final = true
				} else if !r.closedByItself {
					r.closedByItself = true
					r.attemptsAtC = r.tr.count()
					r.justGaveUp = true
				}
			}
		}
	}
	r.seen += len(evs)
}

func (r *fuzzRun) check(when string) {
	t := r.t
	t.Helper()
	if t.Failed() {
		return
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("%s: %s", when, fmt.Sprintf(format, args...))
	}
	r.drain()
	if r.rec.nested.Load() {
		fail("an event was delivered inside another")
	}

	// The wire: tracked messages in the order sent, each at most once,
	// never one that was dropped or refused.
	w := r.tr.wireSince(r.lastWire)
	for _, m := range w {
		id := trackedID(m.Message)
		if id < 0 {
			continue
		}
		r.onWire[id]++
		if r.onWire[id] > 1 {
			fail("message %d sent twice", id)
		}
		if r.dropped[id] > 0 || r.refused[id] || !r.accepted[id] {
			fail("message %d sent although dropped or refused", id)
		}
		if id < r.lastID {
			fail("message %d sent after %d", id, r.lastID)
		}
		r.lastID = id
	}
	r.lastWire += len(w)

	// The queue holds exactly the accepted messages not yet sent or
	// dropped, within its limits.
	waiting := 0
	for id := range r.accepted {
		if r.onWire[id] == 0 && r.dropped[id] == 0 {
			waiting++
		}
	}
	s := r.s
	qm, qb := s.QueuedMessages(), s.QueuedBytes()
	if qm != waiting {
		fail("QueuedMessages = %d, but %d accepted messages are neither sent nor dropped", qm, waiting)
	}
	maxCount, maxBytes := r.opts.MaxEnqueuedMessages, r.opts.MaxEnqueuedBytes
	if maxCount == 0 {
		maxCount = DefaultMaxEnqueuedMessages
	}
	if maxBytes == 0 {
		maxBytes = DefaultMaxEnqueuedBytes
	}
	if qm > max(maxCount, 0) || qb > max(maxBytes, 0) || qb < 0 {
		fail("queue holds %d messages, %d bytes; limits %d, %d", qm, qb, maxCount, maxBytes)
	}

	// State agrees with the events.
	st := s.State()
	if st != r.lastState {
		fail("State() = %v, but the last statechange said %v", st, r.lastState)
	}
	if s.ReadyState() != st.ReadyState() {
		fail("ReadyState() = %d in state %v", s.ReadyState(), st)
	}
	if rc := s.RetryCount(); rc < 0 || (r.opts.MaxRetries > 0 && rc > r.opts.MaxRetries) {
		fail("RetryCount() = %d (MaxRetries %d)", rc, r.opts.MaxRetries)
	}
	if r.userClosed && st != StateClosing && st != StateClosed {
		fail("state %v after Close", st)
	}
	if (r.userClosed || r.justGaveUp) && qm != 0 {
		fail("%d messages still queued after the Socket closed", qm)
	}
	r.justGaveUp = false
	if r.closedByItself && !r.userClosed && r.tr.count() != r.attemptsAtC {
		fail("attempt started after the Socket closed by itself")
	}

	// At most one attempt is the engine's at a time, and it matches the
	// state.
	// Attempts end in the order they started, so only those after the
	// ended prefix can be live; each is checked once as it ends.
	var live []*fakeConn
	for _, c := range r.tr.since(r.ended) {
		if c.live() {
			live = append(live, c)
			continue
		}
		if len(live) == 0 {
			r.ended++
		}
		if n := c.abandonCalls(); n > 1 {
			fail("conn %d abandoned %d times", c.id, n)
		}
		// No attempt is given up for timing out before ConnectionTimeout.
		if ab, info, at := c.isAbandoned(); ab && info.Reason == "connection timeout" && !r.urlFunc {
			if d := at.Sub(c.dialedAt); d < r.opts.ConnectionTimeout {
				fail("conn %d abandoned for a connection timeout after %v", c.id, d)
			}
		}
	}
	if len(live) > 1 {
		fail("%d live conns", len(live))
	}
	if len(live) == 1 && live[0].id != r.tr.count()-1 {
		fail("conn %d is live, but the engine moved on to conn %d", live[0].id, r.tr.count()-1)
	}
	switch st {
	case StateOpen, StateClosing:
		if len(live) != 1 || !live[0].isOpened() {
			fail("state %v without one open conn (%d live)", st, len(live))
		}
	case StateReconnecting, StateClosed:
		if len(live) != 0 {
			fail("state %v with a live conn %d", st, live[0].id)
		}
	case StateConnecting:
		if len(live) == 1 && live[0].isOpened() {
			fail("state connecting with an open conn %d", live[0].id)
		}
	}
	if st == StateClosed && r.userClosed && !r.final {
		fail("closed by Close without a final close event")
	}
}
