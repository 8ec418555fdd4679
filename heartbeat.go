package wsbeat

import "time"

// Probe checks an open connection now: it sends a ping at once, and the
// connection is dead if nothing arrives within HeartbeatTimeout. The
// browser calls it when the page goes offline or becomes visible again.
// It does nothing when the Socket is not open, a ping is already out, or
// the heartbeat is off.
func (s *Socket) Probe() {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if s.state != StateOpen || s.conn == nil || !s.opts.heartbeatOn() || !s.pingSentAt.IsZero() {
		return
	}
	s.sendPing(s.opts.Clock.Now())
}

// lateWake is how late a heartbeat timer may fire before the engine stops
// trusting what it sees: a throttled or frozen page wakes up to a minute
// late, and messages that arrived meanwhile may not have been seen yet.
func (s *Socket) lateWake() time.Duration {
	return max(time.Second, s.opts.HeartbeatTimeout/2)
}

func (s *Socket) scheduleHeartbeat(at, now time.Time) {
	if s.hbTimer != nil {
		s.hbTimer.Stop()
	}
	s.hbSeq++
	seq := s.hbSeq
	s.hbDue = at
	s.hbTimer = s.opts.Clock.AfterFunc(max(at.Sub(now), 0), func() { s.heartbeatDue(seq) })
}

// sendPing sends a ping now, or, when the ping's text comes from
// HeartbeatMessageFunc (user code, which must not run under the lock), as
// soon as the lock is released. Until then the ping counts as outstanding,
// so no second one starts, and any message that arrives answers it, but no
// timer judges it: only a ping actually sent can time out.
func (s *Socket) sendPing(now time.Time) {
	if s.rel != nil {
		s.writePing(s.pingFrame(), now)
		return
	}
	f := s.opts.HeartbeatMessageFunc
	if f == nil {
		s.writePing(s.opts.HeartbeatMessage, now)
		return
	}
	s.pingSentAt = now
	s.pingPending = true
	s.stopHeartbeat()
	g, seq, fallback := s.gen, s.hbSeq, s.opts.HeartbeatMessage
	s.later(func() {
		msg, panicked := callPingFunc(f, fallback)
		if panicked != nil {
			s.logPanic("HeartbeatMessageFunc", panicked)
		}
		s.mu.Lock()
		defer s.unlockAndDeliver()
		// Anything that happened meanwhile (an answer, a close, a new
		// connection) reschedules the heartbeat or ends the connection.
		if g != s.gen || seq != s.hbSeq || !s.pingPending || s.state != StateOpen || s.conn == nil {
			return
		}
		s.writePing(msg, s.opts.Clock.Now())
	})
}

// writePing sends msg as the ping and starts its timeout.
func (s *Socket) writePing(msg string, now time.Time) {
	s.pingPending = false
	s.pingSentAt = now
	s.pingDue = now.Add(s.opts.HeartbeatTimeout)
	s.pingGrace = false
	ahead := s.conn.BufferedAmount()
	if err := s.conn.Send(Text(msg)); err != nil {
		s.logf("wsbeat: ping failed: %v", err)
	}
	// Only a ping queued behind the page's own data may wait for it to
	// drain; the ping's own bytes leaving is no sign of life.
	s.pingBuf = 0
	if ahead > 0 {
		s.pingBuf = s.conn.BufferedAmount()
	}
	s.scheduleHeartbeat(s.pingDue, now)
}

// clearPing forgets the outstanding ping, if any.
func (s *Socket) clearPing() {
	s.pingSentAt = time.Time{}
	s.pingPending = false
}

// stopHeartbeat stops the heartbeat timer; one that fires anyway finds its
// sequence number stale.
func (s *Socket) stopHeartbeat() {
	if s.hbTimer != nil {
		s.hbTimer.Stop()
		s.hbTimer = nil
	}
	s.hbSeq++
}

// callPingFunc calls f, falling back to fallback if it panics.
func callPingFunc(f func() string, fallback string) (msg string, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			msg, panicked = fallback, r
		}
	}()
	return f(), nil
}

// lastActivity is when anything last arrived on the connection.
func (s *Socket) lastActivity() time.Time {
	t := s.lastRecv
	if c := s.conn.LastReceived(); c.After(t) {
		t = c
	}
	return t
}

// heartbeatDue runs when the heartbeat timer fires. It never declares a
// connection dead on silence alone: only a ping that was actually sent and
// then went unanswered for HeartbeatTimeout of real time kills it, and a
// timer that woke late gives the ping one more look first.
func (s *Socket) heartbeatDue(seq uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	// Only the latest heartbeat timer counts: one replaced after it fired
	// (Stop too late) would otherwise run a second heartbeat beside it.
	if seq != s.hbSeq || s.state != StateOpen || s.conn == nil {
		return
	}
	s.hbTimer = nil
	now := s.opts.Clock.Now()
	late := now.Sub(s.hbDue) > s.lateWake()
	last := s.lastActivity()
	if s.pingSentAt.IsZero() {
		if silent := now.Sub(last); silent >= s.opts.HeartbeatInterval {
			s.sendPing(now)
		} else {
			s.scheduleHeartbeat(last.Add(s.opts.HeartbeatInterval), now)
		}
		return
	}
	switch {
	case last.After(s.pingSentAt):
		// Answered by a message that only the conn saw (Received clears
		// the ping itself). One stamped with the ping's own time (a coarse
		// clock) came before it.
		s.clearPing()
		s.scheduleHeartbeat(last.Add(s.opts.HeartbeatInterval), now)
	case late && !s.pingGrace:
		// The page may have been frozen: let pending messages be seen,
		// then judge.
		s.pingGrace = true
		s.scheduleHeartbeat(now.Add(min(s.opts.HeartbeatTimeout, 250*time.Millisecond)), now)
	case !now.Before(s.pingDue) && s.outboundProgress():
		// The ping is queued behind data the page sent before it, and that
		// data is still leaving: no answer could have come yet, and the
		// network is taking data, so give the ping another full timeout.
		s.pingDue = now.Add(s.opts.HeartbeatTimeout)
		s.scheduleHeartbeat(s.pingDue, now)
	case !now.Before(s.pingDue):
		s.logf("wsbeat: heartbeat timeout after %v", now.Sub(s.pingSentAt))
		s.conn.Abandon(CodeHeartbeatTimeout, "heartbeat timeout")
		s.emit(Event{Type: EventError, Err: ErrHeartbeatTimeout})
		s.ended(CloseInfo{Code: CodeHeartbeatTimeout, Reason: "heartbeat timeout"}, true)
	default:
		s.scheduleHeartbeat(s.pingDue, now)
	}
}

// outboundProgress reports whether the conn's send buffer shrank since the
// ping was sent (or since the last progress), and notes the new amount.
// Once it has drained, the ping has left and gets one full timeout from
// here. A buffer that is not draining is no sign of life: a half-open
// connection keeps it full.
func (s *Socket) outboundProgress() bool {
	b := s.conn.BufferedAmount()
	if b < s.pingBuf {
		s.pingBuf = b
		return true
	}
	return false
}
