package wsbeat

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of Send and the queue.

func TestSendResults(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }, HeartbeatInterval: -1})
		res, err := h.s.SendText("while connecting")
		eq(t, "Send while connecting", res, Queued)
		eq(t, "error", err, nil)
		c := h.openNext()
		res, err = h.s.SendText("while open")
		eq(t, "Send while open", res, Sent)
		eq(t, "error", err, nil)
		deepEq(t, "wire", c.texts(), []string{"while connecting", "while open"})
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.s.mu.Lock()
		st := h.s.state
		h.s.mu.Unlock()
		check(t, st == StateConnecting || st == StateReconnecting, "state %v", st)
		res, _ = h.s.SendText("between")
		eq(t, "Send between connections", res, Queued)
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateReconnecting)
		res, _ = h.s.SendText("while waiting")
		eq(t, "Send while waiting", res, Queued)
		h.s.Close(CodeNormal, "")
		res, err = h.s.SendText("after Close")
		errIs(t, err, ErrClosed)
		eq(t, "result after Close", res, SendResult(0)) // the zero value: nothing happened
		_, err = h.s.SendBinary([]byte{1})
		errIs(t, err, ErrClosed)
	})
}

func TestSendResultStrings(t *testing.T) {
	for r, want := range map[SendResult]string{Sent: "sent", Queued: "queued", Dropped: "dropped", SendResult(0): "SendResult(0)", SendResult(7): "SendResult(7)"} {
		eq(t, "SendResult.String", r.String(), want)
	}
	for o, want := range map[Overflow]string{DropOldest: "drop-oldest", DropNewest: "drop-newest", OverflowError: "throw", Overflow(9): "Overflow(9)"} {
		eq(t, "Overflow.String", o.String(), want)
	}
}

func TestMessageHelpers(t *testing.T) {
	m := Text("héllo")
	eq(t, "Text size", m.Size, len("héllo"))
	s, ok := m.Text()
	check(t, ok && s == "héllo", "Text() = %q, %v", s, ok)
	b := Binary([]byte{1, 2, 3})
	eq(t, "Binary size", b.Size, 3)
	eq(t, "Binary flag", b.Binary, true)
	_, ok = b.Text()
	check(t, !ok, "a binary message gave text")
	_, ok = Message{Binary: true, Data: "x"}.Text()
	check(t, !ok, "a binary string message gave text")
}

// TestQueueKeepsOrderAcrossReconnects: queued messages go out in the order
// sent, each once, and later sends follow them.
func TestQueueKeepsOrderAcrossReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		var want []string
		send := func(s string) {
			t.Helper()
			want = append(want, s)
			if _, err := h.s.SendText(s); err != nil {
				t.Fatal(err)
			}
		}
		for _, s := range []string{"1", "2", "3"} {
			send(s)
		}
		c1 := h.openNext()
		send("4")
		c1.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		send("5")
		send("6")
		c2 := h.openNext()
		send("7")
		deepEq(t, "wire", append(c1.texts(), c2.texts()...), want)
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 0)
	})
}

// TestOpenHandlerSendsGoFirst: what the open handlers send (auth,
// subscribe) precedes the queue on the new connection.
func TestOpenHandlerSendsGoFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		var results []SendResult
		h = newHarness(t, &Options{HeartbeatInterval: -1, OnEvent: func(e Event) {
			if e.Type == EventOpen {
				r1, _ := h.rec.sock.Load().SendText("auth")
				r2, _ := h.rec.sock.Load().SendText("subscribe")
				results = append(results, r1, r2)
			}
		}})
		h.s.SendText("q1")
		h.s.SendText("q2")
		c := h.openNext()
		deepEq(t, "wire", c.texts(), []string{"auth", "subscribe", "q1", "q2"})
		deepEq(t, "Send results in the open handler", results, []SendResult{Sent, Sent})
	})
}

func TestFlushStopsWhenTheConnectionFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		for _, s := range []string{"a", "b", "c"} {
			h.s.SendText(s)
		}
		c := h.tr.last()
		c.setSendErr(errors.New("broken pipe"))
		c.open()
		synctest.Wait()
		eq(t, "QueuedMessages kept", h.s.QueuedMessages(), 3)
		res, err := h.s.SendText("d")
		eq(t, "Send on a failing conn", res, Queued)
		eq(t, "error", err, nil)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		c2 := h.openNext()
		deepEq(t, "wire on the next conn", c2.texts(), []string{"a", "b", "c", "d"})
		eq(t, "wire on the failed conn", len(c.wire()), 0)
	})
}

func TestQueueCounters(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		h.s.SendText("abc")
		h.s.SendBinary(make([]byte, 5))
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 2)
		eq(t, "QueuedBytes", h.s.QueuedBytes(), 8)
		eq(t, "BufferedAmount while connecting", h.s.BufferedAmount(), 8)
		h.tr.last().setBuffered(1000) // not open: not counted
		eq(t, "BufferedAmount ignores an attempt", h.s.BufferedAmount(), 8)
		c := h.openNext()
		eq(t, "QueuedMessages after the flush", h.s.QueuedMessages(), 0)
		eq(t, "QueuedBytes after the flush", h.s.QueuedBytes(), 0)
		c.setBuffered(100)
		eq(t, "BufferedAmount while open", h.s.BufferedAmount(), 100)
		w := c.wire()
		eq(t, "binary kept", w[1].Binary, true)
		eq(t, "binary size", w[1].Size, 5)
	})
}

func TestQueueOverflow(t *testing.T) {
	type step struct {
		send    string
		res     SendResult
		err     error
		dropped []string // in a drop event, reason overflow
	}
	for _, tc := range []struct {
		name  string
		opts  Options
		steps []step
		left  []string // queued at the end, oldest first
	}{
		{
			name: "drop-oldest by count",
			opts: Options{MaxEnqueuedMessages: 3},
			steps: []step{
				{send: "a", res: Queued}, {send: "b", res: Queued}, {send: "c", res: Queued},
				{send: "d", res: Queued, dropped: []string{"a"}},
				{send: "e", res: Queued, dropped: []string{"b"}},
			},
			left: []string{"c", "d", "e"},
		},
		{
			name: "drop-oldest by bytes",
			opts: Options{MaxEnqueuedBytes: 10},
			steps: []step{
				{send: "aaaa", res: Queued}, {send: "bbbb", res: Queued},
				{send: "cccccccc", res: Queued, dropped: []string{"aaaa", "bbbb"}},
				{send: "dd", res: Queued},
				{send: "e", res: Queued, dropped: []string{"cccccccc"}},
			},
			left: []string{"dd", "e"},
		},
		{
			name: "drop-oldest, message bigger than the byte limit",
			opts: Options{MaxEnqueuedBytes: 4},
			steps: []step{
				{send: "ab", res: Queued},
				{send: "too big", res: Dropped, dropped: []string{"too big"}},
			},
			left: []string{"ab"},
		},
		{
			name: "drop-newest by count",
			opts: Options{MaxEnqueuedMessages: 2, Overflow: DropNewest},
			steps: []step{
				{send: "a", res: Queued}, {send: "b", res: Queued},
				{send: "c", res: Dropped, dropped: []string{"c"}},
			},
			left: []string{"a", "b"},
		},
		{
			name: "drop-newest by bytes",
			opts: Options{MaxEnqueuedBytes: 5, Overflow: DropNewest},
			steps: []step{
				{send: "abc", res: Queued},
				{send: "def", res: Dropped, dropped: []string{"def"}},
				{send: "gh", res: Queued},
			},
			left: []string{"abc", "gh"},
		},
		{
			name: "drop-newest, message bigger than the byte limit",
			opts: Options{MaxEnqueuedBytes: 4, Overflow: DropNewest},
			steps: []step{
				{send: "too big", res: Dropped, dropped: []string{"too big"}},
			},
		},
		{
			name: "throw by count",
			opts: Options{MaxEnqueuedMessages: 2, Overflow: OverflowError},
			steps: []step{
				{send: "a", res: Queued}, {send: "b", res: Queued},
				{send: "c", err: ErrQueueFull},
			},
			left: []string{"a", "b"},
		},
		{
			name: "throw by bytes",
			opts: Options{MaxEnqueuedBytes: 5, Overflow: OverflowError},
			steps: []step{
				{send: "abcd", res: Queued},
				{send: "ef", err: ErrQueueFull},
				{send: "g", res: Queued},
			},
			left: []string{"abcd", "g"},
		},
		{
			name: "throw, message bigger than the byte limit",
			opts: Options{MaxEnqueuedBytes: 4, Overflow: OverflowError},
			steps: []step{
				{send: "too big", err: ErrQueueFull},
			},
		},
		{
			name:  "no queue by count, drop-oldest",
			opts:  Options{MaxEnqueuedMessages: -1},
			steps: []step{{send: "a", res: Dropped, dropped: []string{"a"}}},
		},
		{
			name:  "no queue by count, drop-newest",
			opts:  Options{MaxEnqueuedMessages: -1, Overflow: DropNewest},
			steps: []step{{send: "a", res: Dropped, dropped: []string{"a"}}},
		},
		{
			name:  "no queue by count, throw",
			opts:  Options{MaxEnqueuedMessages: -1, Overflow: OverflowError},
			steps: []step{{send: "a", err: ErrQueueFull}},
		},
		{
			name:  "no queue by bytes",
			opts:  Options{MaxEnqueuedBytes: -1},
			steps: []step{{send: "a", res: Dropped, dropped: []string{"a"}}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				o := tc.opts
				o.HeartbeatInterval = -1
				h := newHarness(t, &o)
				for _, st := range tc.steps {
					h.rec.take()
					res, err := h.s.SendText(st.send)
					synctest.Wait()
					if st.err != nil {
						errIs(t, err, st.err)
						check(t, strings.Contains(err.Error(), "limits are"), "error %q does not give the limits", err)
					} else {
						eq(t, "error sending "+st.send, err, nil)
						eq(t, "result sending "+st.send, res, st.res)
					}
					drops := h.rec.of(EventDrop)
					if st.dropped == nil {
						eq(t, "drop events sending "+st.send, len(drops), 0)
						continue
					}
					eq(t, "drop events sending "+st.send, len(drops), 1)
					eq(t, "drop reason", drops[0].DropReason, DropOverflow)
					var got []string
					for _, m := range drops[0].Dropped {
						s, _ := m.Text()
						got = append(got, s)
					}
					deepEq(t, "dropped sending "+st.send, got, st.dropped)
				}
				bytes := 0
				for _, s := range tc.left {
					bytes += len(s)
				}
				eq(t, "QueuedMessages", h.s.QueuedMessages(), len(tc.left))
				eq(t, "QueuedBytes", h.s.QueuedBytes(), bytes)
				c := h.openNext()
				deepEq(t, "flushed", c.texts(), tc.left)
				// Once open, the limits no longer apply.
				res, err := h.s.SendText(strings.Repeat("x", 64))
				eq(t, "Send while open", res, Sent)
				eq(t, "error", err, nil)
			})
		})
	}
}

// TestQueueSurvivesManyCycles: the queue's storage is reused, not leaked
// or corrupted, across many fill and flush cycles.
func TestQueueSurvivesManyCycles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1, MaxEnqueuedMessages: 4, Rand: func() float64 { return 0 }})
		next := 0
		var sent []int
		for cycle := range 50 {
			for range cycle % 7 {
				h.s.SendText(strconv.Itoa(next))
				next++
			}
			c := h.openNext()
			for _, s := range c.texts() {
				n, _ := strconv.Atoi(s)
				sent = append(sent, n)
			}
			c.peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			h.advance(time.Second)
		}
		for i := 1; i < len(sent); i++ {
			check(t, sent[i] > sent[i-1], "out of order or duplicated: %v", sent)
		}
		dropped := 0
		for _, e := range h.rec.of(EventDrop) {
			dropped += len(e.Dropped)
		}
		eq(t, "sent + dropped", len(sent)+dropped, next)
	})
}
