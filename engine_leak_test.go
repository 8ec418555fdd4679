package wsbeat

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// Tests that nothing piles up: goroutines and timers return to where they
// started after many reconnect cycles, and no stale timer survives.

// bubbleGoroutines counts the goroutines of the calling goroutine's
// synctest bubble, so that goroutines of other tests do not count.
func bubbleGoroutines() (int, string) {
	self := make([]byte, 256)
	self = self[:runtime.Stack(self, false)]
	i := bytes.Index(self, []byte("synctest bubble "))
	if i < 0 {
		panic("not in a synctest bubble")
	}
	tag := self[i:]
	tag = tag[:bytes.IndexByte(tag, ']')+1]
	all := make([]byte, 1<<20)
	all = all[:runtime.Stack(all, true)]
	n := 0
	var mine [][]byte
	for _, g := range bytes.Split(all, []byte("\n\n")) {
		if bytes.Contains(g, tag) {
			n++
			mine = append(mine, g)
		}
	}
	return n, string(bytes.Join(mine, []byte("\n\n")))
}

func TestNoLeaksAfter200ReconnectCycles(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &countingClock{}
		h := newHarness(t, &Options{
			Clock:             clock,
			Rand:              func() float64 { return 0 },
			HeartbeatInterval: 25 * time.Second,
			HeartbeatTimeout:  10 * time.Second,
			ConnectionTimeout: 4 * time.Second,
		})
		base, _ := bubbleGoroutines()
		maxPending := 0
		for i := range 200 {
			switch i % 6 {
			case 0: // dropped by the peer
				c := h.openNext()
				c.recv("hello")
				h.s.SendText("x")
				c.peerClose(CodeAbnormal, "", false)
			case 1: // dead: heartbeat timeout
				h.openNext()
				h.advance(35 * time.Second)
			case 2: // never opens: connection timeout
				h.advance(4 * time.Second)
			case 3: // Reconnect while open
				h.openNext()
				h.s.Probe()
				h.s.Reconnect(0, "")
			case 4: // Close, then Reconnect
				c := h.openNext()
				h.s.Close(CodeNormal, "")
				c.peerClose(CodeNormal, "", true)
				synctest.Wait()
				h.s.Reconnect(0, "")
			case 5: // Pause, Resume, stable for a while
				h.openNext()
				h.advance(6 * time.Second)
				h.s.Pause()
				h.s.Resume()
			}
			synctest.Wait()
			h.advance(time.Second) // past any backoff (Rand is 0)
			pending, _ := clock.stats()
			maxPending = max(maxPending, pending)
			check(t, pending <= 4, "cycle %d: %d timers pending", i, pending)
			n, stacks := bubbleGoroutines()
			check(t, n <= base, "cycle %d: %d goroutines, %d at the start:\n%s", i, n, base, stacks)
		}
		check(t, h.tr.count() >= 200, "only %d attempts in 200 cycles", h.tr.count())
		h.s.Close(CodeNormal, "")
		synctest.Wait()
		if c := h.tr.last(); c.live() {
			c.peerClose(CodeNormal, "", true)
			synctest.Wait()
		}
		h.wantState(StateClosed)
		pending, created := clock.stats()
		eq(t, "timers pending after Close", pending, 0)
		t.Logf("timers created %d, most pending at once %d", created, maxPending)
		n, stacks := bubbleGoroutines()
		check(t, n <= base, "%d goroutines after Close, %d at the start:\n%s", n, base, stacks)
		for _, c := range h.tr.all() {
			check(t, !c.live(), "conn %d still live after Close", c.id)
		}
	})
}

func TestNoGoroutineLeaksWithAURLFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		base, _ := bubbleGoroutines()
		tr := &fakeTransport{}
		var mu sync.Mutex
		calls := 0
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			switch n % 4 {
			case 0:
				return "", fmt.Errorf("down %d", n)
			case 1:
				<-ctx.Done() // times out
				return "", ctx.Err()
			case 2:
				panic("bad provider")
			}
			return fmt.Sprintf("ws://example.test/%d", n), nil
		}, &Options{Transport: tr, Rand: func() float64 { return 0 }, HeartbeatInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		for range 200 {
			time.Sleep(5 * time.Second)
			synctest.Wait()
			if s.State() == StateConnecting && tr.count() > 0 && tr.last().live() {
				tr.last().open()
				tr.last().peerClose(CodeAbnormal, "", false)
			}
		}
		s.Close(CodeNormal, "")
		synctest.Wait()
		n, stacks := bubbleGoroutines()
		check(t, n <= base, "%d goroutines after Close, %d at the start:\n%s", n, base, stacks)
		check(t, tr.count() > 20, "only %d attempts dialled", tr.count())
	})
}

// manualClock runs timers only when the test fires them, so that a timer
// can be caught between firing and running its callback, as happens when
// a timer fires while another goroutine holds the Socket's lock.
type manualClock struct {
	mu     sync.Mutex
	timers []*manualTimer
}

type manualTimer struct {
	c       *manualClock
	d       time.Duration
	f       func()
	stopped bool
	fired   bool
}

func (c *manualClock) Now() time.Time { return time.Now() }

func (c *manualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &manualTimer{c: c, d: d, f: f}
	c.timers = append(c.timers, t)
	return t
}

func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.fired || t.stopped {
		return false
	}
	t.stopped = true
	return true
}

// pending returns the timers neither stopped nor fired.
func (c *manualClock) pending() []*manualTimer {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []*manualTimer
	for _, t := range c.timers {
		if !t.stopped && !t.fired {
			out = append(out, t)
		}
	}
	return out
}

// fire marks t fired (Stop fails from now on) and returns its callback,
// for the test to run when it likes.
func (t *manualTimer) fire() func() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.fired = true
	return t.f
}

// TestStaleHeartbeatTimerIsIgnored: a heartbeat timer that fired just as a
// probe replaced it (so Stop came too late) must not run a second
// heartbeat beside the new one; heartbeat timers must not multiply.
func TestStaleHeartbeatTimerIsIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &manualClock{}
		h := newHarness(t, &Options{Clock: clock, HeartbeatInterval: 25 * time.Second, HeartbeatTimeout: 10 * time.Second})
		c := h.tr.last()
		c.open()
		synctest.Wait()
		var hb *manualTimer
		for _, tm := range clock.pending() {
			if tm.d == 25*time.Second {
				hb = tm
			}
		}
		check(t, hb != nil, "no heartbeat timer after open")
		before := len(clock.pending())
		for range 5 {
			run := hb.fire() // fires, but the callback waits for the lock...
			h.s.Probe()      // ...which Probe holds: it stops the timer (too late) and arms its own
			c.recv("pong")
			run() // the stale callback runs now
			synctest.Wait()
			eq(t, "timers pending", len(clock.pending()), before)
			// The pong answered the probe: the one pending heartbeat timer
			// is the next ping's, an interval away.
			p := clock.pending()
			hb = nil
			n := 0
			for _, tm := range p {
				switch tm.d {
				case 25 * time.Second:
					hb = tm
					n++
				case 10 * time.Second:
					n++
				}
			}
			check(t, hb != nil, "no heartbeat timer after the pong")
			eq(t, "heartbeat timers", n, 1)
		}
		h.wantState(StateOpen)
	})
}

// TestEngineDoesNotRelyOnTimerStop runs the waits that Resume, Reconnect,
// Close, Pause and probes cut short on a clock whose Stop never works:
// every stale timer fires, and none may act.
func TestEngineDoesNotRelyOnTimerStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &varRand{}
		h := newHarness(t, &Options{Clock: unstoppableClock{}, Rand: r.draw,
			HeartbeatInterval: 25 * time.Second, HeartbeatTimeout: 10 * time.Second, MinUptime: time.Hour})

		// Resume during a short wait, then a longer wait: the stale retry
		// fires inside the second and must not cut it short.
		r.set(0.2)
		h.tr.last().peerClose(CodeAbnormal, "", false) // waits 100ms
		synctest.Wait()
		h.s.Resume()
		synctest.Wait()
		eq(t, "attempts after Resume", h.tr.count(), 2)
		r.set(nearOne)
		h.tr.last().peerClose(CodeAbnormal, "", false) // waits about 500ms
		synctest.Wait()
		h.advance(400 * time.Millisecond) // the stale retry fires at 100ms
		eq(t, "attempts after the stale retry", h.tr.count(), 2)
		h.wantState(StateReconnecting)
		h.advance(100 * time.Millisecond)
		eq(t, "attempts after the real retry", h.tr.count(), 3)

		// The connection timeout of an attempt that opened must neither end
		// it nor the next attempt.
		c := h.openNext()
		h.advance(2 * time.Second)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		rec := h.rec.of(EventReconnecting)
		h.advance(rec[len(rec)-1].Delay) // about 750ms
		eq(t, "attempts", h.tr.count(), 4)
		next := h.tr.last()
		h.advance(2 * time.Second) // stale connection timers of earlier attempts fire
		h.wantState(StateConnecting)
		eq(t, "attempts", h.tr.count(), 4)
		check(t, next.live(), "an attempt was abandoned by a stale connection timer")
		eq(t, "error events", len(h.rec.of(EventError)), 0)
		c = h.openNext()
		h.advance(10 * time.Second)
		h.wantState(StateOpen)
		check(t, c.live(), "an open conn was abandoned by a stale connection timer")

		// Probes replacing heartbeat timers: one ping per silence, death
		// exactly a timeout after the last unanswered ping.
		h.s.Probe()
		h.advance(time.Second)
		c.recv("pong")
		h.advance(20 * time.Second)
		eq(t, "pings", len(c.pings()), 1)
		h.advance(5 * time.Second) // 25s after the pong: a ping
		eq(t, "pings", len(c.pings()), 2)
		eq(t, "second ping after the pong", c.pings()[1].Sub(c.pings()[0]), 26*time.Second)
		h.advance(10*time.Second - time.Nanosecond)
		h.wantState(StateOpen)
		h.advance(time.Nanosecond)
		ab, _, _ := c.isAbandoned()
		check(t, ab, "unanswered ping did not end the connection")

		// Reconnect during a wait, Pause and Resume.
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		n := h.tr.count()
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts after Reconnect", h.tr.count(), n+1)
		h.s.Pause()
		h.advance(time.Minute)
		eq(t, "attempts while paused", h.tr.count(), n+1)
		h.s.Resume()
		synctest.Wait()
		eq(t, "attempts after Resume", h.tr.count(), n+2)

		// Close: no stale timer may start anything after the final close.
		h.openNext()
		h.s.Close(CodeNormal, "")
		h.tr.last().peerClose(CodeNormal, "", true)
		synctest.Wait()
		h.rec.take()
		h.advance(time.Hour)
		eq(t, "events after the final close", len(h.rec.all()), 0)
		eq(t, "attempts after the final close", h.tr.count(), n+2)
	})
}
