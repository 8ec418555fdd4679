package wsbeat

import (
	"errors"

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
	if s.connTimer != nil {
		s.connTimer.Stop()
		s.connTimer = nil
	}
	now := s.opts.Clock.Now()
	s.protocol, s.extensions = protocol, extensions
	s.lastRecv = now
	s.clearPing()
	retries := s.retryCount
	g := s.gen
	s.openedAt = now
	if s.opts.heartbeatOn() {
		s.scheduleHeartbeat(now.Add(s.opts.HeartbeatInterval), now)
	}
	s.setState(StateOpen)
	s.emit(Event{Type: EventOpen, RetryCount: retries})
	// The flush runs after the open handlers, so what they send goes first.
	s.outbox = append(s.outbox, func() { s.flush(g) })
}

func (e *connEvents) Received(m Message) {
	s := e.s
	s.mu.Lock()
	if e.gen != s.gen || s.conn == nil || (s.state != StateOpen && s.state != StateClosing) {
		s.mu.Unlock()
		return
	}
	now := s.opts.Clock.Now()
	s.lastRecv = now
	pong := false
	if t, ok := m.Text(); ok && t == s.opts.HeartbeatResponse {
		pong = true
	}
	if !s.pingSentAt.IsZero() {
		// Any message answers the ping; a pong also times it. The next
		// ping is due one interval from now, so the timer set for the
		// ping's timeout is replaced here rather than waking for nothing.
		if pong && !s.pingPending {
			s.lastRTT, s.haveRTT = now.Sub(s.pingSentAt), true
			s.emit(Event{Type: EventHeartbeat, RTT: s.lastRTT})
		}
		s.clearPing()
		if s.state == StateOpen {
			s.scheduleHeartbeat(now.Add(s.opts.HeartbeatInterval), now)
		}
	}
	if pong {
		if !s.opts.DeliverHeartbeats {
			s.unlockAndDeliver()
			return
		}
	}
	s.emit(Event{Type: EventMessage, Message: m})
	s.unlockAndDeliver()
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
