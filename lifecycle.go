package wsbeat

import (
	"context"
	"errors"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Close codes and reasons the engine reports for ends it decides itself.
const (
	CodeHeartbeatTimeout = 4000 // a ping went unanswered: the connection is dead
	CodeAbnormal         = 1006 // ended without a close frame
	CodeNoStatus         = 1005 // Close was called without a code
	CodeNormal           = 1000
)

// Close closes the connection with code and reason and stops reconnecting:
// a pending retry or an attempt in flight ends too, and queued messages are
// discarded and reported in a drop event. Code 0 sends no code (1005). The
// final close event has WillReconnect false.
func (s *Socket) Close(code int, reason string) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if s.userClosed {
		return
	}
	s.userClosed = true
	s.paused = false
	s.stopTimers()
	s.dropQueue()
	switch {
	case s.state == StateOpen && s.conn != nil:
		s.setState(StateClosing)
		s.conn.Close(code, reason)
		g := s.gen
		s.connTimer = s.opts.Clock.AfterFunc(s.opts.ConnectionTimeout, func() { s.closeTimedOut(g) })
	case s.state == StateClosed:
	case s.ending != nil:
		// The connection has ended and ShouldReconnect is deciding:
		// report that end as the final one.
		info, _ := s.takeEnding()
		s.setState(StateClosed)
		s.emit(Event{Type: EventClose, Close: info})
	default:
		if s.conn != nil {
			s.conn.Abandon(code, reason)
			s.conn = nil
		}
		s.gen++
		if code == 0 {
			code = CodeNoStatus
		}
		s.setState(StateClosed)
		s.emit(Event{Type: EventClose, Close: CloseInfo{Code: code, Reason: reason}})
	}
}

func (s *Socket) closeTimedOut(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen || s.conn == nil {
		return
	}
	s.conn.Abandon(CodeAbnormal, "close timeout")
	s.ended(CloseInfo{Code: CodeAbnormal, Reason: "closing handshake timed out"}, true)
}

// Reconnect closes the current connection, if any, with code and reason
// (0 means 1000) and connects again now with the retry count reset. It is
// also how a StartClosed or closed Socket starts, and it undoes Close.
func (s *Socket) Reconnect(code int, reason string) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	s.userClosed = false
	s.paused = false
	s.stopTimers()
	if code == 0 {
		code = CodeNormal
	}
	if s.conn != nil {
		s.conn.Abandon(code, reason)
		s.conn = nil
		s.gen++
		s.setState(StateReconnecting)
		s.emit(Event{Type: EventClose, Close: CloseInfo{Code: code, Reason: reason, WasClean: true}, WillReconnect: true})
	} else if info, ok := s.takeEnding(); ok {
		s.setState(StateReconnecting)
		s.emit(Event{Type: EventClose, Close: info, WillReconnect: true})
	}
	s.retryCount = 0
	s.startAttempt()
}

// Resume is for when the network or the page comes back (online, visible,
// pageshow, resume): a Socket waiting to retry retries now with the backoff
// reset, an open one is probed, and a paused one reconnects.
func (s *Socket) Resume() {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	s.online = true
	if s.userClosed {
		return
	}
	switch {
	case s.paused:
		s.paused = false
		s.retryCount = 0
		s.startAttempt()
	case s.state == StateReconnecting:
		s.stopTimers()
		s.retryCount = 0
		s.startAttempt()
	case s.state == StateOpen && s.conn != nil && s.opts.heartbeatOn() && s.pingSentAt.IsZero():
		s.sendPing(s.opts.Clock.Now())
	}
}

// SetOnline tells the Socket what the browser believes of the network.
// Going offline probes an open connection at once instead of waiting for a
// dead socket, and stretches waits between retries to MaxReconnectionDelay
// (never longer, since the belief can be wrong). Going online is Resume.
func (s *Socket) SetOnline(online bool) {
	if online {
		s.Resume()
		return
	}
	s.mu.Lock()
	s.online = false
	s.mu.Unlock()
	s.Probe()
}

// Pause closes the connection cleanly (1000) without reconnecting until
// Resume. The browser calls it when a page enters the back/forward cache,
// which does not keep pages with open WebSockets.
func (s *Socket) Pause() {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if s.userClosed || s.paused || s.state == StateClosed {
		return
	}
	s.paused = true
	s.stopTimers()
	hadConn := s.conn != nil
	if s.conn != nil {
		s.conn.Abandon(CodeNormal, "page hidden")
		s.conn = nil
	}
	s.gen++
	// Waiting between attempts there is no connection to close, and its
	// close event was already reported. A connection that has just ended
	// (ShouldReconnect is deciding) is reported as it ended.
	waiting := s.state == StateReconnecting && !hadConn
	info := CloseInfo{Code: CodeNormal, Reason: "page hidden", WasClean: true}
	if ended, ok := s.takeEnding(); ok {
		info = ended
	}
	s.setState(StateReconnecting)
	if !waiting {
		s.emit(Event{Type: EventClose, Close: info, WillReconnect: true})
	}
}

func (s *Socket) setState(st State) {
	if st == s.state {
		return
	}
	prev := s.state
	s.state = st
	s.emit(Event{Type: EventStateChange, State: st, Previous: prev})
}

func (s *Socket) stopTimers() {
	timers := []*Timer{&s.retryTimer, &s.connTimer, &s.hbTimer}
	if s.rel != nil {
		timers = append(timers, &s.rel.ackTimer)
	}
	for _, t := range timers {
		if *t != nil {
			(*t).Stop()
			*t = nil
		}
	}
	if s.cancelURLCtx != nil {
		s.cancelURLCtx()
		s.cancelURLCtx = nil
	}
}

// startAttempt begins a new connection attempt.
func (s *Socket) startAttempt() {
	s.gen++
	g := s.gen
	s.conn = nil
	s.protocol, s.extensions = "", ""
	if s.rel != nil {
		s.rel.helloSent = false
		s.rel.c.Closed()
	}
	s.setState(StateConnecting)
	s.connTimer = s.opts.Clock.AfterFunc(s.opts.ConnectionTimeout, func() { s.connectTimedOut(g) })
	if s.urlFn == nil {
		s.dial(s.url)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.ConnectionTimeout)
	s.cancelURLCtx = cancel
	fn := s.urlFn
	go func() {
		u, err := callURLFunc(ctx, fn)
		// Past the deadline, even a URL is too late: the attempt timed
		// out, whether or not the connection timer got there first.
		late := errors.Is(ctx.Err(), context.DeadlineExceeded)
		cancel()
		s.mu.Lock()
		defer s.unlockAndDeliver()
		if g != s.gen || s.state != StateConnecting || s.conn != nil {
			return
		}
		s.cancelURLCtx = nil
		if late {
			s.attemptTimedOut()
			return
		}
		if err != nil {
			s.attemptFailed(newError(ErrURLFunction, "wsbeat: URL function failed: "+redactURLsIn(err.Error()), err))
			return
		}
		if u, err = NormalizeURL(u); err != nil {
			s.attemptFailed(err) // of kind ErrInvalidURL, with the URL redacted
			return
		}
		s.dial(u)
	}()
}

// callURLFunc calls fn, turning a panic into an error so that a faulty URL
// function counts as a failed attempt.
func callURLFunc(ctx context.Context, fn URLFunc) (u string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("panic: " + msgfmt.Value(r))
		}
	}()
	return fn(ctx)
}

func (s *Socket) dial(u string) {
	s.connURL = u
	s.logf("wsbeat: connecting to %s", redactURL(u))
	protocols := s.opts.Protocols
	if s.rel != nil {
		protocols = []string{Subprotocol}
	}
	conn, err := s.opts.Transport.Dial(u, protocols, &connEvents{s: s, gen: s.gen})
	if err != nil {
		s.attemptFailed(newError(ErrRefused, "wsbeat: failed to dial "+msgfmt.Quote(redactURL(u))+": "+redactURLsIn(err.Error()), err))
		return
	}
	s.conn = conn
}

// attemptFailed ends an attempt that has no Conn to report on it.
func (s *Socket) attemptFailed(err error) {
	s.emit(Event{Type: EventError, Err: err})
	s.ended(CloseInfo{Code: CodeAbnormal, Reason: err.Error()}, false)
}

func (s *Socket) connectTimedOut(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen || s.state != StateConnecting {
		return
	}
	s.attemptTimedOut()
}

// attemptTimedOut ends the attempt in flight, which was not open within
// ConnectionTimeout.
func (s *Socket) attemptTimedOut() {
	if s.conn != nil {
		s.conn.Abandon(CodeAbnormal, "connection timeout")
		s.conn = nil
	}
	s.emit(Event{Type: EventError, Err: ErrConnectionTimeout})
	s.ended(CloseInfo{Code: CodeAbnormal, Reason: "connection timeout"}, false)
}

// ended handles the end of the current attempt or connection: close event,
// then a retry or the closed state. When ShouldReconnect has a say, it is
// asked once the lock is released (see askPolicy).
func (s *Socket) ended(info CloseInfo, wasOpen bool) {
	s.judgeUptime()
	s.conn = nil
	s.gen++
	s.stopTimers()
	s.clearPing()
	s.protocol, s.extensions = "", ""
	if s.rel != nil {
		s.rel.helloSent = false
		s.rel.c.Closed()
	}
	switch {
	case s.userClosed:
		s.setState(StateClosed)
		s.emit(Event{Type: EventClose, Close: info})
	case s.opts.MaxRetries < 0 || (s.opts.MaxRetries > 0 && s.retryCount >= s.opts.MaxRetries):
		s.giveUp(info)
	case wasOpen || info.Code != CodeAbnormal:
		// An attempt that failed to connect (1006) is retried without
		// asking: the policy judges what a server said.
		s.askPolicy(info, wasOpen)
	default:
		s.retry(wasOpen, info)
	}
}

// askPolicy asks ShouldReconnect, which is user code, about info once the
// lock is released, and then retries or gives up. Until the answer the
// Socket keeps its state with no connection, and s.ending holds info:
// Close, Reconnect and Pause called meanwhile (by the policy itself, say)
// settle the end their own way, and the answer, then stale, is ignored.
func (s *Socket) askPolicy(info CloseInfo, wasOpen bool) {
	s.ending = &info
	g, policy := s.gen, s.opts.ShouldReconnect
	s.later(func() {
		ok, panicked := callShouldReconnect(policy, info)
		if panicked != nil {
			s.logPanic("ShouldReconnect", panicked)
		}
		s.mu.Lock()
		defer s.unlockAndDeliver()
		if g != s.gen || s.ending == nil {
			return
		}
		s.ending = nil
		if ok {
			s.retry(wasOpen, info)
		} else {
			s.giveUp(info)
		}
	})
}

// takeEnding returns the end that waits for ShouldReconnect, if any, and
// makes the policy's answer stale: the caller settles the end instead.
func (s *Socket) takeEnding() (CloseInfo, bool) {
	if s.ending == nil {
		return CloseInfo{}, false
	}
	info := *s.ending
	s.ending = nil
	s.gen++
	return info, true
}

// giveUp closes the Socket for good after info.
func (s *Socket) giveUp(info CloseInfo) {
	s.dropQueue()
	s.setState(StateClosed)
	s.emit(Event{Type: EventClose, Close: info})
}

// retry schedules the next attempt after info: at once for the first
// retry after an open connection, else after the backoff delay, stretched
// to MaxReconnectionDelay while offline.
func (s *Socket) retry(wasOpen bool, info CloseInfo) {
	var delay time.Duration
	if !(wasOpen && s.retryCount == 0) {
		delay = backoffDelay(&s.opts, s.retryCount)
	}
	if !s.online && delay < s.opts.MaxReconnectionDelay {
		delay = s.opts.MaxReconnectionDelay
	}
	s.retryCount++
	s.setState(StateReconnecting)
	s.emit(Event{Type: EventClose, Close: info, WillReconnect: true})
	s.emit(Event{Type: EventReconnecting, Attempt: s.retryCount, Delay: delay})
	g := s.gen
	s.retryTimer = s.opts.Clock.AfterFunc(delay, func() { s.retryDue(g) })
}

// callShouldReconnect runs the user's policy; a panic counts as "yes", the
// default for most codes, so a faulty policy cannot wedge the Socket.
func callShouldReconnect(policy func(CloseInfo) bool, info CloseInfo) (ok bool, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			ok, panicked = true, r
		}
	}()
	return policy(info), nil
}

func (s *Socket) retryDue(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen || s.state != StateReconnecting || s.paused {
		return
	}
	s.startAttempt()
}

// judgeUptime resets the retry count once the open connection has stayed
// up MinUptime. It is judged when the count is read or the connection
// ends, not by a timer: an idle socket should wake only for its heartbeat.
func (s *Socket) judgeUptime() {
	if s.conn == nil || s.state != StateOpen && s.state != StateClosing {
		return
	}
	if s.opts.Clock.Now().Sub(s.openedAt) >= s.opts.MinUptime {
		s.retryCount = 0
	}
}
