package wsbeat

import (
	"errors"
	"math"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of the engine's reconnection: backoff, uptime, retries, close
// policy, Close and Reconnect. Fake transport, fake time (synctest).

const nearOne = 0.999999

// wantWindow computes the backoff window independently of backoff.go.
func wantWindow(lo, hi time.Duration, grow float64, n int) time.Duration {
	w := float64(lo)
	for range n {
		w *= grow
		if w >= float64(hi) {
			return hi
		}
	}
	return min(time.Duration(w), hi)
}

func TestBackoffWindowsGrowAndCap(t *testing.T) {
	for _, tc := range []struct {
		min, max time.Duration
		grow     float64
	}{
		{DefaultMinReconnectionDelay, DefaultMaxReconnectionDelay, DefaultReconnectionDelayGrowFactor},
		{100 * time.Millisecond, time.Minute, 2},
		{time.Second, time.Second, 3},
		{250 * time.Millisecond, 30 * time.Second, 1},
	} {
		o := &Options{MinReconnectionDelay: tc.min, MaxReconnectionDelay: tc.max, ReconnectionDelayGrowFactor: tc.grow}
		prev := time.Duration(0)
		for n := range 60 {
			got := backoffWindow(o, n)
			want := wantWindow(tc.min, tc.max, tc.grow, n)
			if d := got - want; d < -2 || d > 2 { // float rounding, in ns
				t.Fatalf("%+v: window(%d) = %v, want %v", tc, n, got, want)
			}
			check(t, got <= tc.max, "window(%d) = %v above max %v", n, got, tc.max)
			check(t, got >= prev, "window(%d) = %v shrank from %v", n, got, prev)
			if n > 0 && prev < tc.max && tc.grow > 1 {
				grown := time.Duration(float64(prev) * tc.grow)
				check(t, got == tc.max || math.Abs(float64(got-grown)) <= 2,
					"window(%d) = %v, want %v (previous × %v) or the cap", n, got, grown, tc.grow)
			}
			prev = got
		}
		huge := tc.max
		if tc.grow == 1 {
			huge = tc.min
		}
		eq(t, "window for a huge n", backoffWindow(o, 1<<20), huge)
	}
}

func TestBackoffDelaysStayInsideTheirWindow(t *testing.T) {
	draws := []float64{0, nearOne, 0.5, 0.25, 0.999999999999}
	o := &Options{MinReconnectionDelay: 500 * time.Millisecond, MaxReconnectionDelay: 10 * time.Second, ReconnectionDelayGrowFactor: 1.5}
	for n := range 30 {
		w := backoffWindow(o, n)
		for _, r := range draws {
			o.Rand = func() float64 { return r }
			d := backoffDelay(o, n)
			check(t, d >= 0 && d <= w, "delay(%d) with draw %v = %v, outside [0, %v]", n, r, d, w)
			want := time.Duration(r * float64(w))
			eq(t, "delay for a draw", d, want)
		}
		o.Rand = randFloat64
		for range 2000 {
			d := backoffDelay(o, n)
			check(t, d >= 0 && d <= w, "random delay(%d) = %v, outside [0, %v]", n, d, w)
		}
	}
}

// TestBackoffFullJitterStatistics checks that real draws fill the window:
// the largest of many approaches its top, the smallest its bottom, and the
// mean sits in the middle.
func TestBackoffFullJitterStatistics(t *testing.T) {
	o, err := (&Options{}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3, 20} {
		w := backoffWindow(&o, n)
		lo, hi, sum := w, time.Duration(0), 0.0
		const draws = 20000
		for range draws {
			d := backoffDelay(&o, n)
			lo, hi = min(lo, d), max(hi, d)
			sum += float64(d)
		}
		mean := sum / draws / float64(w)
		check(t, hi >= w*99/100, "n=%d: max of %d draws %v, want near the window %v", n, draws, hi, w)
		check(t, lo <= w/100, "n=%d: min of %d draws %v, want near 0", n, draws, lo)
		check(t, mean > 0.47 && mean < 0.53, "n=%d: mean draw %.3f of the window, want about 0.5", n, mean)
	}
}

// TestReconnectingEventsFollowTheBackoff fails every attempt and checks each
// reconnecting event's Attempt and Delay against the window, and that the
// next attempt starts exactly Delay later.
func TestReconnectingEventsFollowTheBackoff(t *testing.T) {
	for _, r := range []float64{nearOne, 0, 0.3} {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{Rand: func() float64 { return r }})
			o := h.s.opts
			for n := range 14 {
				c := h.tr.last()
				eq(t, "attempts", h.tr.count(), n+1)
				failedAt := time.Now()
				c.fail(errors.New("refused"))
				c.peerClose(CodeAbnormal, "", false)
				synctest.Wait()
				evs := h.rec.of(EventReconnecting)
				eq(t, "reconnecting events", len(evs), n+1)
				e := evs[n]
				eq(t, "Attempt", e.Attempt, n+1)
				w := wantWindow(o.MinReconnectionDelay, o.MaxReconnectionDelay, o.ReconnectionDelayGrowFactor, n)
				check(t, e.Delay >= 0 && e.Delay <= w, "attempt %d: delay %v outside [0, %v]", n+1, e.Delay, w)
				want := time.Duration(r * float64(backoffWindow(&o, n)))
				eq(t, "Delay", e.Delay, want)
				eq(t, "RetryCount", h.s.RetryCount(), n+1)
				if e.Delay > 0 {
					h.wantState(StateReconnecting)
					eq(t, "ReadyState while waiting", h.s.ReadyState(), Connecting)
					h.advance(e.Delay - 1)
					eq(t, "attempts just before the delay", h.tr.count(), n+1)
					h.advance(1)
				} else {
					synctest.Wait()
				}
				eq(t, "attempts after the delay", h.tr.count(), n+2)
				eq(t, "retry started after", h.tr.last().dialedAt.Sub(failedAt), e.Delay)
				h.wantState(StateConnecting)
			}
			// The windows reached the cap.
			last := h.rec.of(EventReconnecting)
			eq(t, "last delay", last[len(last)-1].Delay, time.Duration(r*float64(o.MaxReconnectionDelay)))
		})
	}
}

func TestFirstRetryAfterAnOpenConnectionIsImmediate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }, HeartbeatInterval: -1})
		c := h.openNext()
		h.advance(time.Minute) // stable
		h.rec.take()
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		evs := h.rec.of(EventReconnecting)
		eq(t, "reconnecting events", len(evs), 1)
		eq(t, "Attempt", evs[0].Attempt, 1)
		eq(t, "Delay", evs[0].Delay, time.Duration(0))
		eq(t, "attempts", h.tr.count(), 2)
		eq(t, "retry started after", h.tr.last().dialedAt.Sub(c.dialedAt), time.Minute)
	})
}

// TestFlappingBacksOff: a server that accepts and at once drops the
// connection must not be hammered: the retry count keeps growing and so do
// the delays.
func TestFlappingBacksOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }})
		o := h.s.opts
		var delays []time.Duration
		for i := range 12 {
			c := h.tr.last()
			c.open()
			synctest.Wait()
			opens := h.rec.of(EventOpen)
			eq(t, "open RetryCount", opens[len(opens)-1].RetryCount, i)
			c.peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			evs := h.rec.of(EventReconnecting)
			e := evs[len(evs)-1]
			eq(t, "Attempt", e.Attempt, i+1)
			delays = append(delays, e.Delay)
			h.advance(e.Delay)
			eq(t, "attempts", h.tr.count(), i+2)
		}
		eq(t, "first delay", delays[0], time.Duration(0))
		for i := 1; i < len(delays); i++ {
			want := time.Duration(nearOne * float64(backoffWindow(&o, i)))
			eq(t, "flapping delay", delays[i], want)
			check(t, delays[i] > delays[i-1] || delays[i] == delays[i-1] && delays[i] >= o.MaxReconnectionDelay*99/100,
				"delays did not grow: %v", delays)
		}
		check(t, delays[len(delays)-1] >= o.MaxReconnectionDelay*99/100, "delays never reached the cap: %v", delays)
	})
}

func TestMinUptimeResetsTheRetryCount(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r := &varRand{}
		h := newHarness(t, &Options{Rand: r.draw, MinUptime: 5 * time.Second})
		for range 3 {
			h.tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
		}
		eq(t, "RetryCount after 3 failures", h.s.RetryCount(), 3)

		// Open, but not long enough.
		c := h.openNext()
		eq(t, "open RetryCount", h.rec.of(EventOpen)[0].RetryCount, 3)
		h.advance(5*time.Second - time.Millisecond)
		eq(t, "RetryCount just before MinUptime", h.s.RetryCount(), 3)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		evs := h.rec.of(EventReconnecting)
		eq(t, "Attempt after a short open", evs[len(evs)-1].Attempt, 4)

		// Open long enough.
		c = h.openNext()
		h.advance(5*time.Second - time.Millisecond)
		eq(t, "RetryCount just before MinUptime", h.s.RetryCount(), 4)
		h.advance(time.Millisecond)
		eq(t, "RetryCount at MinUptime", h.s.RetryCount(), 0)
		r.set(nearOne)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		evs = h.rec.of(EventReconnecting)
		eq(t, "Attempt after a stable open", evs[len(evs)-1].Attempt, 1)
		eq(t, "Delay after a stable open", evs[len(evs)-1].Delay, time.Duration(0))
	})
}

func TestMaxRetriesGivesUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{MaxRetries: 3, Rand: func() float64 { return 0 }})
		res, err := h.s.SendText("held")
		eq(t, "Send result", res, Queued)
		eq(t, "Send error", err, nil)
		for i := range 3 {
			h.tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			eq(t, "attempts", h.tr.count(), i+2)
			h.wantState(StateConnecting)
		}
		h.rec.take()
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateClosed)
		eq(t, "ReadyState", h.s.ReadyState(), Closed)
		evs := h.rec.take()
		// The drop comes first, so that nothing follows the final close.
		deepEq(t, "events when giving up", types(evs), []string{"drop", "statechange:closed", "close"})
		eq(t, "WillReconnect", evs[2].WillReconnect, false)
		eq(t, "drop reason", evs[0].DropReason, DropClosed)
		deepEq(t, "dropped", evs[0].Dropped, []Message{Text("held")})
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 0)
		h.advance(time.Hour)
		eq(t, "attempts an hour later", h.tr.count(), 4)
		eq(t, "events an hour later", len(h.rec.all()), 0)

		// Reconnect starts again with the count reset.
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts after Reconnect", h.tr.count(), 5)
		eq(t, "RetryCount after Reconnect", h.s.RetryCount(), 0)
	})
}

func TestMaxRetriesNegativeNeverReconnects(t *testing.T) {
	t.Run("failed first attempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{MaxRetries: -1})
			h.tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			h.wantState(StateClosed)
			h.advance(time.Hour)
			eq(t, "attempts", h.tr.count(), 1)
			eq(t, "reconnecting events", len(h.rec.of(EventReconnecting)), 0)
		})
	})
	t.Run("dropped connection", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{MaxRetries: -1})
			h.openNext().peerClose(codeGoingAway, "restart", true)
			synctest.Wait()
			h.wantState(StateClosed)
			closes := h.rec.of(EventClose)
			eq(t, "close events", len(closes), 1)
			eq(t, "WillReconnect", closes[0].WillReconnect, false)
			eq(t, "close code", closes[0].Close.Code, codeGoingAway)
			h.advance(time.Hour)
			eq(t, "attempts", h.tr.count(), 1)
		})
	})
}

const codeGoingAway = 1001

func TestConnectionTimeoutAbandonsTheAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{ConnectionTimeout: 4 * time.Second})
		c := h.tr.last()
		h.advance(4*time.Second - time.Nanosecond)
		ab, _, _ := c.isAbandoned()
		check(t, !ab, "attempt abandoned before the timeout")
		eq(t, "events before the timeout", len(h.rec.all()), 0)
		h.advance(time.Nanosecond)
		ab, info, at := c.isAbandoned()
		check(t, ab, "attempt not abandoned at the timeout")
		eq(t, "abandoned after", at.Sub(c.dialedAt), 4*time.Second)
		eq(t, "abandon code", info.Code, CodeAbnormal)
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"error", "statechange:reconnecting", "close", "reconnecting"})
		errIs(t, evs[0].Err, ErrConnectionTimeout)
		eq(t, "close code", evs[2].Close.Code, CodeAbnormal)
		eq(t, "WillReconnect", evs[2].WillReconnect, true)

		// The abandoned attempt opening late changes nothing, even while
		// the next attempt is in flight.
		h.advance(evsDelay(evs))
		eq(t, "attempts", h.tr.count(), 2)
		h.rec.take()
		c.open()
		c.recv("late")
		synctest.Wait()
		eq(t, "events from the abandoned attempt", len(h.rec.all()), 0)
		h.wantState(StateConnecting)
		c.peerClose(CodeNormal, "", true)
		synctest.Wait()
		eq(t, "events from the abandoned attempt", len(h.rec.all()), 0)
		h.wantState(StateConnecting)
		h.openNext()
	})
}

func evsDelay(evs []recorded) time.Duration {
	for _, e := range evs {
		if e.Type == EventReconnecting {
			return e.Delay
		}
	}
	panic("no reconnecting event")
}

func TestDialErrorIsAFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := errors.New("no route")
		h := newHarness(t, &Options{StartClosed: true})
		h.tr.setDialErr(boom)
		h.s.Reconnect(0, "")
		synctest.Wait()
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"statechange:connecting", "error", "statechange:reconnecting", "close", "reconnecting"})
		errIs(t, evs[1].Err, boom)
		eq(t, "close code", evs[3].Close.Code, CodeAbnormal)
		h.tr.setDialErr(nil)
		h.advance(evs[4].Delay)
		h.openNext()
	})
}

func TestFailedOnlyReportsTheCurrentAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.openNext()
		h.rec.take()
		boom := errors.New("reset")
		c.fail(boom)
		synctest.Wait()
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"error"})
		errIs(t, evs[0].Err, boom)
		h.wantState(StateOpen)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.rec.take()
		c.fail(boom)
		synctest.Wait()
		eq(t, "events after the end", len(h.rec.all()), 0)
	})
}

// --- close policy ---

func TestClosePolicyDefaultCodes(t *testing.T) {
	terminal := []int{1002, 1003, 1007, 1008, 1009, 1010, 1015, 4400, 4450, 4499}
	reconnect := []int{1000, 1001, 1006, 1011, 4000, 4399, 4500}
	for _, tc := range []struct {
		codes []int
		again bool
	}{{terminal, false}, {reconnect, true}} {
		for _, code := range tc.codes {
			eq(t, "DefaultShouldReconnect", DefaultShouldReconnect(CloseInfo{Code: code}), tc.again)
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, nil)
				h.s.SendText("q") // queued, then sent
				h.openNext().peerClose(code, "bye", true)
				synctest.Wait()
				closes := h.rec.of(EventClose)
				eq(t, "close events", len(closes), 1)
				eq(t, "close code", closes[0].Close.Code, code)
				eq(t, "close reason", closes[0].Close.Reason, "bye")
				eq(t, "WillReconnect", closes[0].WillReconnect, tc.again)
				if tc.again {
					h.wantState(StateConnecting) // the first retry is immediate
					eq(t, "attempts", h.tr.count(), 2)
					return
				}
				h.wantState(StateClosed)
				eq(t, "ReadyState", h.s.ReadyState(), Closed)
				h.advance(time.Hour)
				eq(t, "attempts", h.tr.count(), 1)
				// Not closed by Close: Send still queues for a Reconnect.
				res, err := h.s.SendText("later")
				eq(t, "Send after a terminal close", res, Queued)
				eq(t, "Send error", err, nil)
			})
		}
	}
}

func TestClosePolicyOnAFailedAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.tr.last().peerClose(1008, "forbidden", true) // e.g. the upgrade was refused by policy
		synctest.Wait()
		h.wantState(StateClosed)
		eq(t, "WillReconnect", h.rec.of(EventClose)[0].WillReconnect, false)
	})
}

func TestShouldReconnectOverride(t *testing.T) {
	t.Run("reconnect on a terminal code", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var seen []CloseInfo
			h := newHarness(t, &Options{ShouldReconnect: func(c CloseInfo) bool {
				seen = append(seen, c)
				return true
			}})
			h.openNext().peerClose(1008, "policy", true)
			synctest.Wait()
			deepEq(t, "ShouldReconnect got", seen, []CloseInfo{{Code: 1008, Reason: "policy", WasClean: true}})
			eq(t, "WillReconnect", h.rec.of(EventClose)[0].WillReconnect, true)
			eq(t, "attempts", h.tr.count(), 2)
		})
	})
	t.Run("stop on a normal code", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{ShouldReconnect: func(c CloseInfo) bool { return c.Code != 1000 }})
			h.openNext().peerClose(1000, "done", true)
			synctest.Wait()
			h.wantState(StateClosed)
			eq(t, "WillReconnect", h.rec.of(EventClose)[0].WillReconnect, false)
			h.advance(time.Hour)
			eq(t, "attempts", h.tr.count(), 1)
		})
	})
	t.Run("panicking policy", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{ShouldReconnect: func(CloseInfo) bool { panic("bad policy") }})
			h.openNext().peerClose(1011, "oops", true)
			synctest.Wait()
			eq(t, "WillReconnect", h.rec.of(EventClose)[0].WillReconnect, true)
			eq(t, "attempts", h.tr.count(), 2)
			h.openNext() // not wedged
			res, err := h.s.SendText("hi")
			eq(t, "Send", res, Sent)
			eq(t, "Send error", err, nil)
			check(t, strings.Contains(h.logs.text(), "ShouldReconnect panicked"), "panic not logged: %q", h.logs.text())
		})
	})
}

// --- Close ---

func TestCloseDuringAnAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.tr.last()
		h.s.SendText("never")
		h.s.Close(4001, "bye")
		synctest.Wait()
		ab, info, _ := c.isAbandoned()
		check(t, ab, "attempt not abandoned")
		eq(t, "abandon info", info, CloseInfo{Code: 4001, Reason: "bye"})
		h.wantState(StateClosed)
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"drop", "statechange:closed", "close"})
		eq(t, "drop reason", evs[0].DropReason, DropClosed)
		eq(t, "close", evs[2].Close, CloseInfo{Code: 4001, Reason: "bye"})
		eq(t, "WillReconnect", evs[2].WillReconnect, false)

		c.open() // too late
		c.recv("x")
		c.peerClose(1000, "", true)
		h.advance(time.Hour)
		eq(t, "events after the final close", len(h.rec.all()), 0)
		eq(t, "attempts", h.tr.count(), 1)
		h.wantState(StateClosed)
	})
}

func TestCloseDuringAWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }})
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateReconnecting)
		h.rec.take()
		h.s.Close(0, "")
		synctest.Wait()
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"statechange:closed", "close"})
		eq(t, "code of Close(0)", evs[1].Close.Code, CodeNoStatus)
		h.advance(time.Hour)
		eq(t, "attempts after an hour", h.tr.count(), 1)
		eq(t, "events after the final close", len(h.rec.all()), 0)
	})
}

func TestCloseWhenOpen(t *testing.T) {
	t.Run("peer answers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, nil)
			c := h.openNext()
			h.rec.take()
			h.s.Close(CodeNormal, "done")
			synctest.Wait()
			h.wantState(StateClosing)
			eq(t, "ReadyState", h.s.ReadyState(), Closing)
			deepEq(t, "conn.Close calls", c.closes(), []CloseInfo{{Code: CodeNormal, Reason: "done"}})
			deepEq(t, "events so far", types(h.rec.take()), []string{"statechange:closing"})
			_, err := h.s.SendText("late")
			errIs(t, err, ErrClosed)
			c.recv("in flight") // still delivered while closing
			h.advance(time.Second)
			c.peerClose(CodeNormal, "done", true)
			synctest.Wait()
			h.wantState(StateClosed)
			evs := h.rec.take()
			deepEq(t, "events", types(evs), []string{"message", "statechange:closed", "close"})
			eq(t, "close", evs[2].Close, CloseInfo{Code: CodeNormal, Reason: "done", WasClean: true})
			eq(t, "WillReconnect", evs[2].WillReconnect, false)
			ab, _, _ := c.isAbandoned()
			check(t, !ab, "a clean close abandoned the conn")
			h.advance(time.Hour)
			eq(t, "events after the final close", len(h.rec.all()), 0)
			eq(t, "attempts", h.tr.count(), 1)
		})
	})
	t.Run("peer never answers", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{ConnectionTimeout: 3 * time.Second})
			c := h.openNext()
			h.rec.take()
			h.s.Close(CodeNormal, "")
			h.advance(3*time.Second - time.Nanosecond)
			h.wantState(StateClosing)
			h.advance(time.Nanosecond)
			h.wantState(StateClosed)
			ab, _, at := c.isAbandoned()
			check(t, ab, "conn not abandoned after the closing handshake timed out")
			eq(t, "abandoned after", at.Sub(h.t0), 3*time.Second)
			evs := h.rec.take()
			deepEq(t, "events", types(evs), []string{"statechange:closing", "statechange:closed", "close"})
			eq(t, "close code", evs[2].Close.Code, CodeAbnormal)
			eq(t, "WillReconnect", evs[2].WillReconnect, false)
			c.peerClose(CodeNormal, "", true) // after it was abandoned
			h.advance(time.Hour)
			eq(t, "events after the final close", len(h.rec.all()), 0)
		})
	})
}

func TestCloseDiscardsTheQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		for _, m := range []string{"a", "b", "c"} {
			h.s.SendText(m)
		}
		h.s.Close(CodeNormal, "")
		synctest.Wait()
		drops := h.rec.of(EventDrop)
		eq(t, "drop events", len(drops), 1)
		eq(t, "drop reason", drops[0].DropReason, DropClosed)
		deepEq(t, "dropped", drops[0].Dropped, []Message{Text("a"), Text("b"), Text("c")})
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 0)
		eq(t, "QueuedBytes", h.s.QueuedBytes(), 0)
	})
}

func TestCloseTwiceIsHarmless(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.openNext()
		h.s.Close(CodeNormal, "one")
		h.s.Close(4002, "two")
		synctest.Wait()
		eq(t, "conn.Close calls", len(c.closes()), 1)
		c.peerClose(CodeNormal, "one", true)
		synctest.Wait()
		h.s.Close(4003, "three")
		synctest.Wait()
		eq(t, "close events", len(h.rec.of(EventClose)), 1)
		h.wantState(StateClosed)
	})
}

func TestCloseOfAStartClosedSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{StartClosed: true})
		h.s.SendText("held")
		h.s.Close(CodeNormal, "")
		synctest.Wait()
		deepEq(t, "events", types(h.rec.take()), []string{"drop"})
		_, err := h.s.SendText("x")
		errIs(t, err, ErrClosed)
		eq(t, "attempts", h.tr.count(), 0)
	})
}

// --- Reconnect ---

func TestReconnectFromStartClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{StartClosed: true})
		h.wantState(StateClosed)
		eq(t, "ReadyState", h.s.ReadyState(), Closed)
		h.advance(time.Hour)
		eq(t, "attempts while StartClosed", h.tr.count(), 0)
		res, _ := h.s.SendText("first")
		eq(t, "Send while StartClosed", res, Queued)
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts", h.tr.count(), 1)
		h.wantState(StateConnecting)
		c := h.openNext()
		deepEq(t, "wire", c.texts(), []string{"first"})
	})
}

func TestReconnectAfterClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.openNext()
		h.s.Close(CodeNormal, "")
		h.tr.last().peerClose(CodeNormal, "", true)
		synctest.Wait()
		h.wantState(StateClosed)
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts", h.tr.count(), 2)
		c := h.openNext()
		res, err := h.s.SendText("again")
		eq(t, "Send after Reconnect", res, Sent)
		eq(t, "Send error", err, nil)
		deepEq(t, "wire", c.texts(), []string{"again"})
	})
}

func TestReconnectWhileOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return 0 }})
		for range 2 {
			h.tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
		}
		old := h.openNext()
		eq(t, "RetryCount", h.s.RetryCount(), 2)
		h.rec.take()
		h.s.Reconnect(4100, "switch")
		synctest.Wait()
		ab, info, _ := old.isAbandoned()
		check(t, ab, "old conn not abandoned")
		eq(t, "abandon info", info, CloseInfo{Code: 4100, Reason: "switch"})
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"statechange:reconnecting", "close", "statechange:connecting"})
		eq(t, "WillReconnect", evs[1].WillReconnect, true)
		eq(t, "close", evs[1].Close, CloseInfo{Code: 4100, Reason: "switch", WasClean: true})
		eq(t, "RetryCount", h.s.RetryCount(), 0)
		eq(t, "attempts", h.tr.count(), 4)
		old.recv("stale")
		synctest.Wait()
		eq(t, "events from the old conn", len(h.rec.all()), 0)
		h.openNext()
		eq(t, "open RetryCount", h.rec.of(EventOpen)[0].RetryCount, 0)
		h.rec.take()
		old.recv("stale")
		old.fail(errBoom)
		old.peerClose(1000, "", true)
		synctest.Wait()
		eq(t, "events from the old conn while the new one is open", len(h.rec.all()), 0)
		h.wantState(StateOpen)

		h.s.Reconnect(0, "")
		synctest.Wait()
		closes := h.rec.of(EventClose)
		eq(t, "code of Reconnect(0)", closes[len(closes)-1].Close.Code, CodeNormal)
	})
}

func TestReconnectDuringAWaitRetriesNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }, ConnectionTimeout: time.Minute})
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateReconnecting)
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts", h.tr.count(), 2)
		eq(t, "RetryCount", h.s.RetryCount(), 0)
		// The old retry timer (about 500ms) must not start a third attempt.
		h.advance(time.Minute - time.Nanosecond)
		eq(t, "attempts a minute later", h.tr.count(), 2)
		h.wantState(StateConnecting)
	})
}
