package wsbeat

import (
	"errors"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// connEvents binds a transport's reports to the attempt they belong to.
type connEvents struct {
	s   *Socket
	gen uint64
}

func (e *connEvents) Opened(protocol, extensions string) {
	s := e.s
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if e.gen != s.gen || s.conn == nil || s.state != StateConnecting {
		return
	}
	now := s.opts.Clock.Now()
	if s.rel != nil {
		if !s.rel.helloSent {
			s.reliableOpened(protocol, extensions, now)
		}
		return
	}
	s.protocol, s.extensions = protocol, extensions
	s.opened(now)
	// The flush runs after the open handlers, so what they send goes first.
	g := s.gen
	s.outbox = append(s.outbox, func() { s.flush(g) })
}

// opened makes the connecting Socket open: for a Reliable Socket once the
// welcome arrived, otherwise once the WebSocket is open.
func (s *Socket) opened(now time.Time) {
	if s.connTimer != nil {
		s.connTimer.Stop()
		s.connTimer = nil
	}
	s.lastRecv = now
	s.clearPing()
	s.openedAt = now
	if s.opts.heartbeatOn() {
		s.scheduleHeartbeat(now.Add(s.opts.HeartbeatInterval), now)
	}
	s.setState(StateOpen)
	s.emit(Event{Type: EventOpen, RetryCount: s.retryCount})
}

// live reports whether e's connection is current and may receive: open or
// closing, or for a Reliable Socket open or waiting for its welcome (Close
// ended its session, so nothing that arrives after is delivered).
func (e *connEvents) live() bool {
	s := e.s
	if e.gen != s.gen || s.conn == nil {
		return false
	}
	if s.rel != nil {
		return s.state == StateOpen || s.rel.helloSent
	}
	return s.state == StateOpen || s.state == StateClosing
}

func (e *connEvents) Received(m Message) {
	s := e.s
	s.mu.Lock()
	if !e.live() {
		s.mu.Unlock()
		return
	}
	now := s.opts.Clock.Now()
	s.lastRecv = now
	if s.rel != nil {
		s.receiveFrame(m, now)
		s.unlockAndDeliver()
		return
	}
	pong := false
	if t, ok := m.Text(); ok && t == s.opts.HeartbeatResponse {
		pong = true
	}
	s.answered(pong, now)
	if pong {
		if !s.opts.DeliverHeartbeats {
			s.unlockAndDeliver()
			return
		}
	}
	s.emit(Event{Type: EventMessage, Message: m})
	s.unlockAndDeliver()
}

// ReceivedData is for a transport that delivers a Reliable Socket's data
// frames itself; see ConnEvents.
func (e *connEvents) ReceivedData(seq int64, size int) bool {
	s := e.s
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if !e.live() || s.rel == nil {
		return false
	}
	now := s.opts.Clock.Now()
	s.lastRecv = now
	s.answered(false, now)
	if s.rel.helloSent {
		s.protocolFailure(protocolErrorf("data frame before the welcome"))
		return false
	}
	return s.acceptData(seq, size)
}

// answered notes that a message arrived while a ping may be out: any
// message answers it, and a pong also times it. The next ping is due one
// interval from now, so the timer set for the ping's timeout is replaced
// here rather than waking for nothing.
func (s *Socket) answered(pong bool, now time.Time) {
	if s.pingSentAt.IsZero() {
		return
	}
	if pong && !s.pingPending {
		s.lastRTT, s.haveRTT = now.Sub(s.pingSentAt), true
		s.emit(Event{Type: EventHeartbeat, RTT: s.lastRTT})
	}
	s.clearPing()
	if s.state == StateOpen {
		s.scheduleHeartbeat(now.Add(s.opts.HeartbeatInterval), now)
	}
}

func (e *connEvents) Failed(err error) {
	s := e.s
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if e.gen != s.gen || s.conn == nil {
		return
	}
	s.emit(Event{Type: EventError, Err: s.connError(err)})
}

// connError gives a transport's error a kind, unless it has one, and
// redacts the URLs in its text: ErrRefused before the connection opened,
// ErrConnectionLost after.
func (s *Socket) connError(err error) error {
	if err == nil {
		err = errors.New("no details")
	}
	if ErrorCode(err) != "" {
		return err
	}
	if s.state == StateConnecting {
		return newError(ErrRefused, "wsbeat: failed to connect to "+msgfmt.Quote(redactURL(s.connURL))+": "+redactURLsIn(err.Error()), err)
	}
	return newError(ErrConnectionLost, "wsbeat: connection to "+msgfmt.Quote(redactURL(s.connURL))+" lost: "+redactURLsIn(err.Error()), err)
}

func (e *connEvents) Closed(code int, reason string, wasClean bool) {
	s := e.s
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if e.gen != s.gen || s.conn == nil {
		return
	}
	wasOpen := s.state == StateOpen || s.state == StateClosing
	s.ended(CloseInfo{Code: code, Reason: reason, WasClean: wasClean}, wasOpen)
}
