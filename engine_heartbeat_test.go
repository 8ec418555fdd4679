package wsbeat

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of the heartbeat, the late-timer defences, Probe, SetOnline,
// Resume and Pause.

// hbOpts are heartbeat options with round numbers.
func hbOpts() *Options {
	return &Options{HeartbeatInterval: 25 * time.Second, HeartbeatTimeout: 10 * time.Second, MinUptime: time.Hour}
}

func TestPingAfterInboundSilence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		opened := time.Now()
		h.advance(25*time.Second - time.Nanosecond)
		eq(t, "pings before the interval", len(c.pings()), 0)
		h.advance(time.Nanosecond)
		pings := c.pings()
		eq(t, "pings at the interval", len(pings), 1)
		eq(t, "ping sent after", pings[0].Sub(opened), 25*time.Second)
		deepEq(t, "wire", c.texts(), []string{"ping"})
	})
}

func TestInboundMessagesPostponeThePing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		opened := time.Now()
		h.advance(10 * time.Second)
		c.recv("news")
		h.advance(20 * time.Second) // 30s after open, 20s after the message
		eq(t, "pings 20s after a message", len(c.pings()), 0)
		c.ev.Received(Binary([]byte{1, 2})) // binary counts as life too
		h.advance(25*time.Second - time.Nanosecond)
		eq(t, "pings just before 25s of silence", len(c.pings()), 0)
		h.advance(time.Nanosecond)
		pings := c.pings()
		eq(t, "pings", len(pings), 1)
		eq(t, "ping sent after", pings[0].Sub(opened), 55*time.Second)
		h.wantState(StateOpen)
		eq(t, "message events", len(h.rec.of(EventMessage)), 2)
	})
}

func TestHeartbeatTimeoutDeclaresTheConnectionDead(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		opened := time.Now()
		h.rec.take()
		h.advance(35*time.Second - time.Nanosecond)
		eq(t, "pings", len(c.pings()), 1)
		h.wantState(StateOpen)
		eq(t, "events before the timeout", len(h.rec.all()), 0)
		h.advance(time.Nanosecond)

		ab, info, at := c.isAbandoned()
		check(t, ab, "dead conn not abandoned")
		eq(t, "abandon info", info, CloseInfo{Code: CodeHeartbeatTimeout, Reason: "heartbeat timeout"})
		eq(t, "declared dead after", at.Sub(opened), 35*time.Second)
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"error", "statechange:reconnecting", "close", "reconnecting", "statechange:connecting"})
		errIs(t, evs[0].Err, ErrHeartbeatTimeout)
		eq(t, "close", evs[2].Close, CloseInfo{Code: 4000, Reason: "heartbeat timeout", WasClean: false})
		eq(t, "WillReconnect", evs[2].WillReconnect, true)
		eq(t, "retry delay", evs[3].Delay, time.Duration(0))
		for _, e := range evs {
			eq(t, "event time", e.at, evs[0].at)
		}
		eq(t, "attempts", h.tr.count(), 2)
		eq(t, "reconnect started after", h.tr.last().dialedAt.Sub(opened), 35*time.Second)
		h.wantState(StateConnecting)

		// The old conn's late reports change nothing.
		c.recv("pong")
		c.recv("late news")
		c.fail(errFakeNotOpen)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		eq(t, "events from the dead conn", len(h.rec.all()), 0)
		h.wantState(StateConnecting)
		c2 := h.openNext()
		h.rec.take()
		// Still nothing once the new connection is open.
		c.recv("stale")
		c.recv("pong")
		c.fail(errFakeNotOpen)
		synctest.Wait()
		eq(t, "events from the dead conn", len(h.rec.all()), 0)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		eq(t, "events from the dead conn", len(h.rec.all()), 0)
		h.wantState(StateOpen)
		check(t, c2.live(), "new conn disturbed by the old one")
	})
}

func TestLastReceivedCountsAsLife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		opened := time.Now()
		h.advance(20 * time.Second)
		c.setLastReceived(time.Now()) // delivered by the transport itself
		h.advance(5 * time.Second)
		eq(t, "pings after the fast path saw a message", len(c.pings()), 0)
		h.advance(20 * time.Second)
		pings := c.pings()
		eq(t, "pings", len(pings), 1)
		eq(t, "ping sent after", pings[0].Sub(opened), 45*time.Second)

		// A fast-path message answers the ping.
		h.advance(5 * time.Second)
		c.setLastReceived(time.Now())
		h.advance(10 * time.Second) // the ping's timeout
		h.wantState(StateOpen)
		ab, _, _ := c.isAbandoned()
		check(t, !ab, "conn abandoned although the fast path saw a message")
		// The next ping follows 25s after that message.
		h.advance(15*time.Second - time.Nanosecond)
		eq(t, "pings", len(c.pings()), 1)
		h.advance(time.Nanosecond)
		eq(t, "pings", len(c.pings()), 2)
	})
}

func TestPongsGiveTheRTT(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		_, ok := h.s.LastRTT()
		check(t, !ok, "LastRTT reported before any ping")
		c.recv("pong") // unasked: no RTT, not delivered
		synctest.Wait()
		eq(t, "heartbeat events for an unasked pong", len(h.rec.of(EventHeartbeat)), 0)
		h.advance(25 * time.Second)
		h.advance(200 * time.Millisecond)
		c.recv("pong")
		synctest.Wait()
		hb := h.rec.of(EventHeartbeat)
		eq(t, "heartbeat events", len(hb), 1)
		eq(t, "RTT", hb[0].RTT, 200*time.Millisecond)
		rtt, ok := h.s.LastRTT()
		check(t, ok, "LastRTT not reported")
		eq(t, "LastRTT", rtt, 200*time.Millisecond)
		eq(t, "message events", len(h.rec.of(EventMessage)), 0)
		h.tr.setAutoPong(50 * time.Millisecond)
		h.advance(time.Hour)
		h.wantState(StateOpen) // alive, though only pongs keep coming
		eq(t, "message events", len(h.rec.of(EventMessage)), 0)
		rtt, _ = h.s.LastRTT()
		eq(t, "LastRTT", rtt, 50*time.Millisecond)
	})
}

func TestDeliverHeartbeats(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := hbOpts()
		o.DeliverHeartbeats = true
		o.HeartbeatResponse = "PONG"
		h := newHarness(t, o)
		c := h.openNext()
		h.advance(25 * time.Second)
		h.advance(time.Second)
		c.recv("PONG")
		c.recv("pong") // not the configured response: an ordinary message
		synctest.Wait()
		eq(t, "heartbeat events", len(h.rec.of(EventHeartbeat)), 1)
		msgs := h.rec.of(EventMessage)
		eq(t, "message events", len(msgs), 2)
		deepEq(t, "messages", []Message{msgs[0].Message, msgs[1].Message}, []Message{Text("PONG"), Text("pong")})
	})
}

func TestHeartbeatMessageFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := hbOpts()
		n := 0
		o.HeartbeatMessageFunc = func() string {
			n++
			if n == 2 {
				panic("no ping today")
			}
			return "hb-" + string(rune('0'+n))
		}
		o.HeartbeatMessage = "custom"
		h := newHarness(t, o)
		c := h.openNext()
		for range 3 {
			h.advance(25 * time.Second)
			c.recv("pong")
		}
		synctest.Wait()
		deepEq(t, "pings", c.texts(), []string{"hb-1", "custom", "hb-3"})
		h.wantState(StateOpen)
		eq(t, "heartbeat events", len(h.rec.of(EventHeartbeat)), 3)
	})
}

func TestHeartbeatOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		c := h.openNext()
		h.s.Probe()
		h.s.SetOnline(false)
		h.s.Resume()
		h.advance(24 * time.Hour)
		eq(t, "wire", len(c.wire()), 0)
		h.wantState(StateOpen)
	})
}

// --- late timers ---

// TestLateTimersDoNotKillALiveConnection: in a throttled tab every timer
// fires a minute late, but the network is not throttled and the server
// answers each ping at once. The connection must stay up.
func TestLateTimersDoNotKillALiveConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := hbOpts()
		o.Clock = lateClock{late: time.Minute}
		h := newHarness(t, o)
		h.tr.setAutoPong(100 * time.Millisecond)
		c := h.openNext()
		h.advance(6 * time.Hour)
		h.wantState(StateOpen)
		eq(t, "close events", len(h.rec.of(EventClose)), 0)
		pings := len(c.pings())
		check(t, pings >= 6*60/2, "only %d pings in 6h", pings)
		eq(t, "answered pings", len(h.rec.of(EventHeartbeat)), pings)
	})
}

// TestLateWakeSendsAPingWithTheFullTimeout: a heartbeat timer that wakes a
// minute late after silence must not declare the connection dead for the
// silence: it sends a ping, and an answer within HeartbeatTimeout keeps
// the connection.
func TestLateWakeSendsAPingWithTheFullTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := hbOpts()
		o.Clock = lateClock{late: time.Minute}
		h := newHarness(t, o)
		c := h.openNext()
		opened := time.Now()
		h.advance(85*time.Second - time.Nanosecond)
		eq(t, "pings before the late wake", len(c.pings()), 0)
		h.advance(time.Nanosecond)
		pings := c.pings()
		eq(t, "pings at the late wake", len(pings), 1)
		eq(t, "ping sent after", pings[0].Sub(opened), 85*time.Second)
		h.wantState(StateOpen)
		h.advance(10*time.Second - time.Millisecond)
		c.recv("pong")
		h.tr.setAutoPong(time.Second) // and every later ping
		h.advance(10 * time.Minute)
		eq(t, "close events", len(h.rec.of(EventClose)), 0)
		h.wantState(StateOpen)
		check(t, len(c.pings()) > 1, "no ping after the first was answered")
	})
}

// TestLateTimersStillDetectADeadConnection: with every timer a minute late,
// a silent connection is still declared dead, no earlier than a full
// HeartbeatTimeout after its ping and within a bounded time.
func TestLateTimersStillDetectADeadConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const late = time.Minute
		o := hbOpts()
		o.Clock = lateClock{late: late}
		h := newHarness(t, o)
		c := h.openNext()
		opened := time.Now()
		h.advance(30 * time.Minute)
		closes := h.rec.of(EventClose)
		check(t, len(closes) >= 1, "dead connection never detected")
		eq(t, "close code", closes[0].Close.Code, CodeHeartbeatTimeout)
		ab, _, at := c.isAbandoned()
		check(t, ab, "dead conn not abandoned")
		pings := c.pings()
		eq(t, "pings on the dead conn", len(pings), 1)
		dead := at.Sub(opened)
		sincePing := at.Sub(pings[0])
		check(t, sincePing >= 10*time.Second, "declared dead %v after its ping, before the full timeout", sincePing)
		// interval + timeout + a grace look, each a minute late.
		check(t, dead <= 25*time.Second+10*time.Second+time.Second+3*late, "declared dead only after %v", dead)
	})
}

// TestFrozenPageGraceLetsPendingMessagesIn: a ping was out when the page
// froze, and its check wakes a minute late. The answer that arrived
// meanwhile is seen just after the timer (the page's queued message
// events), and must keep the connection; without one the connection is
// dead right after that short grace.
func TestFrozenPageGraceLetsPendingMessagesIn(t *testing.T) {
	for _, answered := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			o := hbOpts()
			// Only the ping's check (asked for HeartbeatTimeout) is late.
			o.Clock = selectiveLateClock{match: o.HeartbeatTimeout, late: time.Minute}
			h := newHarness(t, o)
			c := h.openNext()
			opened := time.Now()
			h.advance(25 * time.Second)
			eq(t, "pings", len(c.pings()), 1)
			h.advance(70 * time.Second) // the late wake, at 95s
			h.wantState(StateOpen)      // grace, not death
			h.advance(100 * time.Millisecond)
			if answered {
				c.recv("pong")
			}
			h.advance(time.Second)
			if answered {
				h.wantState(StateOpen)
				eq(t, "close events", len(h.rec.of(EventClose)), 0)
				return
			}
			ab, _, at := c.isAbandoned()
			check(t, ab, "unanswered ping did not end the connection after the grace")
			eq(t, "dead after", at.Sub(opened), 95*time.Second+250*time.Millisecond)
		})
	}
}

// selectiveLateClock makes timers asked for exactly match fire late.
type selectiveLateClock struct {
	match, late time.Duration
}

func (c selectiveLateClock) Now() time.Time { return time.Now() }

func (c selectiveLateClock) AfterFunc(d time.Duration, f func()) Timer {
	if d == c.match {
		d += c.late
	}
	return time.AfterFunc(d, f)
}

// --- Probe, SetOnline, Resume, Pause ---

// TestProbeDetectsDeathWithinTheTimeout: a probe sends a ping at once and
// an unanswered one ends the connection HeartbeatTimeout later, even when
// the last inbound message arrived in the same clock tick as the probe
// (fake time, or a coarse browser clock): a message that came before the
// ping cannot answer it.
func TestProbeDetectsDeathWithinTheTimeout(t *testing.T) {
	for _, how := range []string{"Probe", "SetOnline(false)", "Resume"} {
		for _, life := range []time.Duration{-1, time.Millisecond, 0} {
			t.Run(fmt.Sprintf("%s/last message %v before", how, life), func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					h := newHarness(t, hbOpts())
					c := h.openNext()
					h.advance(3 * time.Second)
					if life >= 0 {
						h.advance(-life)
						c.recv("recent")
						h.advance(life)
					}
					probed := time.Now()
					switch how {
					case "Probe":
						h.s.Probe()
					case "SetOnline(false)":
						h.s.SetOnline(false)
					case "Resume":
						h.s.Resume()
					}
					synctest.Wait()
					pings := c.pings()
					eq(t, "pings right after the probe", len(pings), 1)
					eq(t, "ping sent at", pings[0], probed)
					h.s.Probe() // a ping is already out: no second one
					synctest.Wait()
					eq(t, "pings after a second probe", len(c.pings()), 1)
					h.advance(10*time.Second - time.Nanosecond)
					h.wantState(StateOpen)
					h.advance(time.Nanosecond)
					ab, info, at := c.isAbandoned()
					check(t, ab, "unanswered probe did not end the connection")
					eq(t, "abandon code", info.Code, CodeHeartbeatTimeout)
					eq(t, "dead after the probe", at.Sub(probed), 10*time.Second)
				})
			})
		}
	}
}

// TestProbeAtTheOpeningInstant: a probe right as the connection opens (the
// page went offline just then) still detects a dead connection within
// HeartbeatTimeout.
func TestProbeAtTheOpeningInstant(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		opened := time.Now()
		h.s.SetOnline(false)
		h.advance(10 * time.Second)
		ab, _, at := c.isAbandoned()
		check(t, ab, "unanswered probe did not end the connection")
		eq(t, "dead after", at.Sub(opened), 10*time.Second)
	})
}

func TestProbeAnswered(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		h.advance(time.Second)
		h.s.Probe()
		h.advance(300 * time.Millisecond)
		c.recv("pong")
		h.advance(30 * time.Second)
		h.wantState(StateOpen)
		eq(t, "RTT", h.rec.of(EventHeartbeat)[0].RTT, 300*time.Millisecond)
	})
}

func TestProbeDoesNothingUnlessOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		h.s.Probe()
		h.s.SetOnline(false)
		synctest.Wait()
		c := h.tr.last()
		eq(t, "wire while connecting", len(c.wire()), 0)
		h.wantState(StateConnecting)
		eq(t, "events", len(h.rec.all()), 0)
	})
}

func TestOfflineStretchesRetriesAndOnlineRetriesNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return 0.1 }, HeartbeatInterval: -1})
		c := h.openNext()
		h.s.SetOnline(false)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		rec := h.rec.of(EventReconnecting)
		eq(t, "delay while offline", rec[0].Delay, DefaultMaxReconnectionDelay)
		h.advance(5 * time.Second)
		eq(t, "attempts", h.tr.count(), 1)
		h.s.SetOnline(true)
		synctest.Wait()
		eq(t, "attempts after going online", h.tr.count(), 2)
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		rec = h.rec.of(EventReconnecting)
		eq(t, "delay once online", rec[len(rec)-1].Delay, time.Duration(0.1*float64(DefaultMinReconnectionDelay)))
	})
}

func TestResumeWhileWaitingRetriesNow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Rand: func() float64 { return nearOne }})
		for range 5 {
			c := h.tr.last()
			c.peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			h.advance(evsDelay(h.rec.take()))
		}
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateReconnecting)
		eq(t, "RetryCount", h.s.RetryCount(), 6)
		n := h.tr.count()
		h.s.Resume()
		synctest.Wait()
		eq(t, "attempts right after Resume", h.tr.count(), n+1)
		eq(t, "RetryCount after Resume", h.s.RetryCount(), 0)
		h.wantState(StateConnecting)
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		rec := h.rec.of(EventReconnecting)
		eq(t, "Attempt after Resume", rec[len(rec)-1].Attempt, 1)
		// The retry that Resume pre-empted never fires.
		h.advance(evsDelay(rec[len(rec)-1:]) - time.Nanosecond)
		eq(t, "attempts", h.tr.count(), n+1)

		h.s.Resume() // while connecting: nothing
		h.advance(time.Nanosecond)
		eq(t, "attempts", h.tr.count(), n+2)
		h.s.Resume()
		synctest.Wait()
		eq(t, "attempts after Resume while connecting", h.tr.count(), n+2)
	})
}

func TestPauseAndResume(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		c := h.openNext()
		h.rec.take()
		h.s.Pause()
		synctest.Wait()
		ab, info, _ := c.isAbandoned()
		check(t, ab, "Pause did not end the conn")
		eq(t, "abandon code", info.Code, CodeNormal)
		evs := h.rec.take()
		deepEq(t, "events", types(evs), []string{"statechange:reconnecting", "close"})
		eq(t, "close code", evs[1].Close.Code, CodeNormal)
		eq(t, "close WasClean", evs[1].Close.WasClean, true)
		h.s.Pause() // twice: nothing more
		h.s.Probe()
		c.recv("stale")
		c.peerClose(CodeAbnormal, "", false)
		h.advance(time.Hour)
		eq(t, "attempts while paused", h.tr.count(), 1)
		eq(t, "events while paused", len(h.rec.all()), 0)
		res, _ := h.s.SendText("later")
		eq(t, "Send while paused", res, Queued)
		h.s.Resume()
		synctest.Wait()
		eq(t, "attempts after Resume", h.tr.count(), 2)
		c2 := h.openNext()
		deepEq(t, "wire", c2.texts(), []string{"later"})
	})
}

func TestPauseThenCloseOrReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, nil)
		h.openNext()
		h.s.Pause()
		h.s.Close(CodeNormal, "")
		synctest.Wait()
		h.wantState(StateClosed)
		h.s.Resume()
		h.s.Pause()
		h.advance(time.Hour)
		eq(t, "attempts", h.tr.count(), 1)
		h.wantState(StateClosed)
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts after Reconnect", h.tr.count(), 2)
		h.s.Pause()
		h.s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts after Pause+Reconnect", h.tr.count(), 3)
		h.openNext()
	})
}

func TestPauseDuringAURLFunc(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		tr := &fakeTransport{}
		rec := &recorder{t0: time.Now()}
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			select {
			case <-release:
				return "ws://later.test/", nil
			case <-ctx.Done():
				return "", ctx.Err()
			}
		}, &Options{Transport: tr, OnEvent: rec.on})
		if err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		s.Pause()
		close(release)
		synctest.Wait()
		eq(t, "attempts while paused", tr.count(), 0)
		s.Close(CodeNormal, "")
		synctest.Wait()
		check(t, !strings.Contains(strings.Join(types(rec.all()), ","), "open"), "opened while paused")
	})
}

// TestPingOnAFailingConnection: a ping the transport refuses is logged and
// still timed: the connection is declared dead after HeartbeatTimeout.
func TestPingOnAFailingConnection(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		c.setSendErr(errBoom)
		h.advance(35*time.Second - time.Nanosecond)
		h.wantState(StateOpen)
		h.advance(time.Nanosecond)
		ab, _, _ := c.isAbandoned()
		check(t, ab, "conn whose ping failed was not declared dead")
		check(t, strings.Contains(h.logs.text(), "ping failed: boom"), "failed ping not logged: %q", h.logs.text())
	})
}

// earlyClock fires every timer longer than a second a second early.
type earlyClock struct{}

func (earlyClock) Now() time.Time { return time.Now() }

func (earlyClock) AfterFunc(d time.Duration, f func()) Timer {
	if d > time.Second {
		d -= time.Second
	}
	return time.AfterFunc(d, f)
}

// TestEarlyTimersNeverShortenTheTimeouts: the heartbeat judges by the clock,
// not by the timer: with timers firing early, pings still wait for the
// whole interval of silence, and death for the whole timeout.
func TestEarlyTimersNeverShortenTheTimeouts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := hbOpts()
		o.Clock = earlyClock{}
		h := newHarness(t, o)
		c := h.openNext()
		opened := time.Now()
		h.advance(5 * time.Minute)
		pings := c.pings()
		check(t, len(pings) == 1, "%d pings", len(pings))
		check(t, pings[0].Sub(opened) >= 25*time.Second, "ping after only %v of silence", pings[0].Sub(opened))
		ab, _, at := c.isAbandoned()
		check(t, ab, "dead conn not detected")
		check(t, at.Sub(pings[0]) >= 10*time.Second, "declared dead %v after the ping", at.Sub(pings[0]))
		check(t, at.Sub(pings[0]) < 11*time.Second, "declared dead only %v after the ping", at.Sub(pings[0]))
	})
}

// TestPongSpacesPingsByTheInterval: the next ping is due one interval
// after the pong, and an idle connection with answered pings costs one
// timer per ping and no more (each wake-up in a background tab is paid for).
func TestPongSpacesPingsByTheInterval(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		clock := &countingClock{}
		o := hbOpts()
		o.Clock = clock
		h := newHarness(t, o)
		c := h.openNext()
		pending, created0 := clock.stats()
		// An open idle socket has one timer: its heartbeat. MinUptime is
		// judged when the retry count is read, not by a wake-up.
		eq(t, "timers pending after open", pending, 1)
		for i := range 4 {
			h.advance(25 * time.Second)
			eq(t, fmt.Sprintf("pings after round %d", i), len(c.pings()), i+1)
			h.advance(time.Second)
			c.recv("pong")
			synctest.Wait()
		}
		pings := c.pings()
		for i := 1; i < len(pings); i++ {
			eq(t, "ping spacing", pings[i].Sub(pings[i-1]), 26*time.Second)
		}
		// Per round: the ping's timeout timer, then the next ping's timer
		// armed by the pong; none fires for nothing in between.
		_, created := clock.stats()
		eq(t, "timers per ping", (created-created0)/4, 2)
		h.wantState(StateOpen)
	})
}

// TestPauseWhileWaitingEmitsNoSecondClose: Pause between attempts has no
// connection to close; the close of the attempt that failed was already
// reported, and a second one would tell the page it lost a connection twice.
func TestPauseWhileWaitingEmitsNoSecondClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		// The first retry after an open connection is immediate; let it
		// fail too, so the Socket waits.
		h.tr.last().peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.wantState(StateReconnecting)
		closes := len(h.rec.of(EventClose))
		eq(t, "close events after the drop and a failed retry", closes, 2)
		h.s.Pause()
		synctest.Wait()
		eq(t, "close events after Pause while waiting", len(h.rec.of(EventClose)), closes)
		h.s.Resume()
		synctest.Wait()
		c2 := h.tr.last()
		check(t, c2 != c, "Resume made no new attempt")
		c2.open()
		synctest.Wait()
		h.wantState(StateOpen)
		h.s.Pause()
		synctest.Wait()
		eq(t, "close events after Pause while open", len(h.rec.of(EventClose)), closes+1)
	})
}

// TestPingQueuedBehindDrainingSendsIsNotTimedOut: a ping sent behind a
// large upload cannot be answered before the upload has left; while the
// send buffer drains the connection is alive, and once it has drained the
// ping gets a full timeout. A buffer that does not drain is no excuse.
func TestPingQueuedBehindDrainingSendsIsNotTimedOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		c.setBuffered(4 << 20)
		h.advance(25 * time.Second) // ping, queued behind 4 MB
		eq(t, "pings", len(c.pings()), 1)
		c.setBuffered(3 << 20)
		h.advance(10 * time.Second) // timeout: the buffer drained 1 MB
		h.wantState(StateOpen)
		c.setBuffered(0)
		h.advance(10 * time.Second) // drained: the ping has left now
		h.wantState(StateOpen)
		h.advance(10*time.Second - time.Nanosecond)
		h.wantState(StateOpen)
		h.advance(time.Nanosecond) // a full timeout after it left: dead
		ab, ci, _ := c.isAbandoned()
		check(t, ab, "not abandoned a full timeout after the buffer drained")
		eq(t, "close code", ci.Code, CodeHeartbeatTimeout)
	})
}

func TestPingBehindAStuckSendBufferTimesOut(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		c.setBuffered(64 << 10) // a half-open connection: nothing leaves
		h.advance(25 * time.Second)
		eq(t, "pings", len(c.pings()), 1)
		h.advance(10 * time.Second)
		ab, ci, _ := c.isAbandoned()
		check(t, ab, "a stuck send buffer kept a dead connection open")
		eq(t, "close code", ci.Code, CodeHeartbeatTimeout)
	})
}

// TestPingLeavingItsOwnBufferIsNoExtension: in the browser bufferedAmount
// counts the ping itself until it leaves; that draining says nothing about
// the peer, so a ping with nothing ahead of it times out on time.
func TestPingLeavingItsOwnBufferIsNoExtension(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, hbOpts())
		c := h.openNext()
		c.mu.Lock()
		c.bufferSends = true
		c.mu.Unlock()
		h.advance(25 * time.Second)
		eq(t, "pings", len(c.pings()), 1)
		eq(t, "buffered with the ping", c.BufferedAmount(), len(DefaultHeartbeatMessage))
		c.setBuffered(0) // the ping left
		h.advance(10 * time.Second)
		ab, ci, _ := c.isAbandoned()
		check(t, ab, "the ping's own bytes leaving postponed the timeout")
		eq(t, "close code", ci.Code, CodeHeartbeatTimeout)
	})
}
