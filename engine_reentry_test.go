package wsbeat

import (
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of what the engine does when user code it calls out to calls back
// into the Socket: it runs outside the lock (native_reentry_test.go shows
// that nothing deadlocks), and what it changes is not overwritten by a
// decision made before.

// endedWithPolicy opens a Socket whose ShouldReconnect is policy, has the
// peer end the connection with peer, and returns the harness and the one
// close event, which must report peer.
func endedWithPolicy(t *testing.T, peer CloseInfo, policy func(s *Socket) bool) (*harness, recorded) {
	t.Helper()
	var sock atomic.Pointer[Socket]
	h := newHarness(t, &Options{HeartbeatInterval: -1, ShouldReconnect: func(CloseInfo) bool { return policy(sock.Load()) }})
	sock.Store(h.s)
	h.openNext().peerClose(peer.Code, peer.Reason, peer.WasClean)
	synctest.Wait()
	closes := h.rec.of(EventClose)
	eq(t, "close events", len(closes), 1)
	eq(t, "close info: the connection's end", closes[0].Close, peer)
	return h, closes[0]
}

// TestShouldReconnectCallsBack: the policy sees the Socket as it was when
// the connection ended, with nothing to send on; what it settles itself
// wins over its answer.
func TestShouldReconnectCallsBack(t *testing.T) {
	peer := CloseInfo{Code: 1011, Reason: "oops", WasClean: true}
	t.Run("Reconnect, then false", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, closed := endedWithPolicy(t, peer, func(s *Socket) bool {
				s.Reconnect(0, "")
				return false
			})
			h.wantState(StateConnecting)
			eq(t, "attempts", h.tr.count(), 2)
			eq(t, "WillReconnect", closed.WillReconnect, true)
			h.openNext()
			h.wantState(StateOpen)
		})
	})
	t.Run("Close, then true", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, closed := endedWithPolicy(t, peer, func(s *Socket) bool {
				s.Close(CodeNormal, "bye")
				return true
			})
			h.wantState(StateClosed)
			eq(t, "WillReconnect", closed.WillReconnect, false)
			h.advance(time.Hour)
			eq(t, "attempts", h.tr.count(), 1)
		})
	})
	t.Run("Pause, then true", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h, closed := endedWithPolicy(t, peer, func(s *Socket) bool {
				s.Pause()
				return true
			})
			h.wantState(StateReconnecting)
			eq(t, "WillReconnect", closed.WillReconnect, true)
			eq(t, "reconnecting events", len(h.rec.of(EventReconnecting)), 0)
			h.advance(time.Hour)
			eq(t, "attempts while paused", h.tr.count(), 1)
			h.s.Resume()
			synctest.Wait()
			eq(t, "attempts after Resume", h.tr.count(), 2)
		})
	})
	t.Run("state and Send", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var h *harness
			var seen State = -1
			var res SendResult
			var err error
			h = newHarness(t, &Options{HeartbeatInterval: -1, ShouldReconnect: func(CloseInfo) bool {
				seen = h.s.State()
				res, err = h.s.SendText("from the policy")
				return true
			}})
			h.openNext().peerClose(peer.Code, peer.Reason, peer.WasClean)
			synctest.Wait()
			eq(t, "state seen by the policy", seen, StateOpen)
			eq(t, "Send from the policy", res, Queued)
			eq(t, "Send error", err, nil)
			eq(t, "queued", h.s.QueuedMessages(), 1)
			c := h.openNext()
			deepEq(t, "sent on the next connection", c.texts(), []string{"from the policy"})
		})
	})
}

// TestHeartbeatMessageFuncAnsweredMeanwhile: a message that arrives while
// HeartbeatMessageFunc runs answers the ping, which is then not sent; the
// next one is due an interval later.
func TestHeartbeatMessageFuncAnsweredMeanwhile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var conn atomic.Pointer[fakeConn]
		var calls atomic.Int32
		h := newHarness(t, &Options{
			HeartbeatInterval: 10 * time.Second,
			HeartbeatTimeout:  5 * time.Second,
			HeartbeatMessageFunc: func() string {
				if calls.Add(1) == 1 {
					conn.Load().recv("news") // arrives while the text is being made
				}
				return "beat"
			},
		})
		c := h.tr.last()
		conn.Store(c)
		c.open()
		synctest.Wait()
		h.advance(10 * time.Second)
		eq(t, "HeartbeatMessageFunc calls", calls.Load(), 1)
		check(t, !slices.Contains(c.texts(), "beat"), "ping sent although answered: %q", c.texts())
		h.wantState(StateOpen)
		h.advance(10 * time.Second)
		eq(t, "HeartbeatMessageFunc calls", calls.Load(), 2)
		deepEq(t, "sent", c.texts(), []string{"beat"})
		c.recv("pong")
		synctest.Wait()
		eq(t, "heartbeat events", len(h.rec.of(EventHeartbeat)), 1)
		h.wantState(StateOpen)
	})
}
