package wsbeat

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Errors returned by Socket methods.
var (
	// ErrClosed: Send after Close.
	ErrClosed = errors.New("wsbeat: socket closed by Close")
	// ErrQueueFull: Send while not open, with a full queue and the
	// OverflowError policy.
	ErrQueueFull = errors.New("wsbeat: send queue full")
	// ErrConnectionTimeout: an attempt was not open within
	// ConnectionTimeout.
	ErrConnectionTimeout = errors.New("wsbeat: connection timeout")
	// ErrHeartbeatTimeout: a ping went unanswered for HeartbeatTimeout.
	ErrHeartbeatTimeout = errors.New("wsbeat: heartbeat timeout")
	// ErrInvalidURL is wrapped by every error for a bad URL.
	ErrInvalidURL = errors.New("wsbeat: invalid URL")
)

// Close codes and reasons the engine reports for ends it decides itself.
const (
	CodeHeartbeatTimeout = 4000 // a ping went unanswered: the connection is dead
	CodeAbnormal         = 1006 // ended without a close frame
	CodeNoStatus         = 1005 // Close was called without a code
	CodeNormal           = 1000
)

// SendResult says what Send did with a message.
type SendResult int

const (
	// Sent: handed to the open connection.
	Sent SendResult = iota
	// Queued: held for the next connection.
	Queued
	// Dropped: discarded because the queue was full (DropNewest).
	Dropped
)

// String returns the browser API's word: "sent", "queued" or "dropped".
func (r SendResult) String() string {
	switch r {
	case Sent:
		return "sent"
	case Queued:
		return "queued"
	case Dropped:
		return "dropped"
	}
	return "SendResult(" + strconv.Itoa(int(r)) + ")"
}

// A Socket is a WebSocket connection that stays up: it pings after inbound
// silence, declares the connection dead when a ping goes unanswered,
// reconnects with full-jitter exponential backoff, and queues messages sent
// while it is not open. All of its methods are safe for concurrent use and
// never block on the network; what happens is reported through
// Options.OnEvent, in order, one event at a time.
type Socket struct {
	opts  Options
	url   string
	urlFn URLFunc

	mu         sync.Mutex
	state      State
	userClosed bool
	gen        uint64 // current attempt; events of older ones are ignored
	conn       Conn
	connURL    string
	protocol   string
	extensions string
	retryCount int
	openedAt   time.Time // when the current connection opened; meaningful while open or closing
	queue      queue
	online     bool
	paused     bool // Pause: no connection until Resume

	// timers, each tagged with the generation it belongs to
	retryTimer   Timer
	connTimer    Timer // connection timeout, or the closing handshake's
	hbTimer      Timer
	hbSeq        uint64 // identifies the current hbTimer; never reused
	cancelURLCtx context.CancelFunc

	// heartbeat bookkeeping of the open connection
	lastRecv   time.Time // last inbound message seen by Received (or open)
	hbDue      time.Time // when the heartbeat timer was due
	pingSentAt time.Time // zero when no ping is outstanding
	pingDue    time.Time // when the outstanding ping times out
	pingBuf    int       // the conn's BufferedAmount when the ping was sent or last progressed
	pingGrace  bool      // the outstanding ping had its one late-wake grace
	lastRTT    time.Duration
	haveRTT    bool

	// ordered event delivery, outside the lock
	outbox     []func()
	delivering bool
}

// New returns a Socket connecting to rawURL (ws:, wss:, or http:/https:
// which map to ws:/wss:). It fails at once, with an error naming what is
// wrong, for a bad URL or option; otherwise it starts connecting unless
// StartClosed is set.
func New(rawURL string, opts *Options) (*Socket, error) {
	u, err := NormalizeURL(rawURL)
	if err != nil {
		return nil, err
	}
	return newSocket(u, nil, opts)
}

// NewFunc is New with a URLFunc called before every attempt.
func NewFunc(fn URLFunc, opts *Options) (*Socket, error) {
	if fn == nil {
		return nil, msgfmt.Wrap(ErrInvalidURL, ErrInvalidURL.Error()+": URL function is nil")
	}
	return newSocket("", fn, opts)
}

func newSocket(u string, fn URLFunc, opts *Options) (*Socket, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Socket{opts: o, url: u, urlFn: fn, online: true, connURL: u}
	s.queue.maxCount, s.queue.maxBytes = o.MaxEnqueuedMessages, o.MaxEnqueuedBytes
	s.mu.Lock()
	if o.StartClosed {
		s.state = StateClosed
	} else {
		s.state = StateConnecting
		s.startAttempt()
	}
	s.unlockAndDeliver()
	return s, nil
}

// State returns the Socket's state.
func (s *Socket) State() State {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// ReadyState returns WebSocket's readyState for the Socket's state.
func (s *Socket) ReadyState() int { return s.State().ReadyState() }

// URL returns the URL of the current or last attempt.
func (s *Socket) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connURL
}

// Protocol returns the subprotocol of the open connection, or "".
func (s *Socket) Protocol() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.protocol
}

// Extensions returns the extensions of the open connection, or "".
func (s *Socket) Extensions() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.extensions
}

// RetryCount returns the failed attempts since the last stable open.
func (s *Socket) RetryCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.judgeUptime()
	return s.retryCount
}

// QueuedMessages returns how many messages wait for the next connection.
func (s *Socket) QueuedMessages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.len()
}

// QueuedBytes returns the size of the messages waiting in the queue.
func (s *Socket) QueuedBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.bytes
}

// BufferedAmount returns the bytes sent but not yet on the wire plus the
// bytes in the queue.
func (s *Socket) BufferedAmount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.queue.bytes
	if s.conn != nil && s.state == StateOpen {
		n += s.conn.BufferedAmount()
	}
	return n
}

// LastRTT returns the round-trip time of the last answered ping, and false
// if no ping was answered yet.
func (s *Socket) LastRTT() (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastRTT, s.haveRTT
}

// SendText sends a text message; see Send.
func (s *Socket) SendText(text string) (SendResult, error) { return s.Send(Text(text)) }

// SendBinary sends a binary message; see Send. b must not be changed
// afterwards while it may still be queued.
func (s *Socket) SendBinary(b []byte) (SendResult, error) { return s.Send(Binary(b)) }

// Send hands m to the open connection, or queues it for the next one. A
// full queue drops the oldest messages (reported in a drop event), drops m
// (Dropped, also reported), or fails with ErrQueueFull, as Overflow says.
// After Close it fails with ErrClosed.
//
// Queued messages go out right after the open event's handlers return, so
// that what a handler sends goes first. A message that another goroutine
// sends while those handlers run therefore goes out ahead of the queued
// ones too: where that order matters, send from the event handler, or
// from one goroutine that waits for the open event.
func (s *Socket) Send(m Message) (SendResult, error) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if s.userClosed {
		return 0, ErrClosed
	}
	if s.state == StateOpen && s.conn != nil {
		if err := s.conn.Send(m); err == nil {
			return Sent, nil
		}
		// The connection failed under us; its Closed follows. Keep m.
	}
	return s.enqueue(m)
}

func (s *Socket) enqueue(m Message) (SendResult, error) {
	q := &s.queue
	if q.fits(m) {
		q.push(m)
		return Queued, nil
	}
	switch {
	case s.opts.Overflow == OverflowError:
		return 0, msgfmt.Wrap(ErrQueueFull, ErrQueueFull.Error()+": "+strconv.Itoa(q.len())+" messages, "+strconv.Itoa(q.bytes)+
			" bytes held; limits are "+strconv.Itoa(q.maxCount)+" messages, "+strconv.Itoa(q.maxBytes)+" bytes")
	case s.opts.Overflow == DropNewest || !q.canEverFit(m):
		s.emit(Event{Type: EventDrop, Dropped: []Message{m}, DropReason: DropOverflow})
		return Dropped, nil
	}
	var dropped []Message
	for !q.fits(m) {
		dropped = append(dropped, q.popOldest())
	}
	q.push(m)
	s.emit(Event{Type: EventDrop, Dropped: dropped, DropReason: DropOverflow})
	return Queued, nil
}

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
	}
	s.retryCount = 0
	s.startAttempt()
}

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
	// close event was already reported.
	waiting := s.state == StateReconnecting && !hadConn
	s.setState(StateReconnecting)
	if !waiting {
		s.emit(Event{Type: EventClose, Close: CloseInfo{Code: CodeNormal, Reason: "page hidden", WasClean: true}, WillReconnect: true})
	}
}

// --- everything below runs with s.mu held ---

func (s *Socket) setState(st State) {
	if st == s.state {
		return
	}
	prev := s.state
	s.state = st
	s.emit(Event{Type: EventStateChange, State: st, Previous: prev})
}

// emit queues e for delivery once the lock is released.
func (s *Socket) emit(e Event) {
	on := s.opts.OnEvent
	s.outbox = append(s.outbox, func() { on(e) })
}

// unlockAndDeliver releases the lock and delivers queued events and
// actions in order. Whoever finds delivery idle does it; a handler that
// calls back into the Socket only adds to the outbox, so events never nest
// or overtake each other.
func (s *Socket) unlockAndDeliver() {
	if s.delivering || len(s.outbox) == 0 {
		s.mu.Unlock()
		return
	}
	s.delivering = true
	for len(s.outbox) > 0 {
		a := s.outbox[0]
		s.outbox[0] = nil
		s.outbox = s.outbox[1:]
		s.mu.Unlock()
		s.runGuarded(a)
		s.mu.Lock()
	}
	s.outbox = nil
	s.delivering = false
	s.mu.Unlock()
}

// runGuarded runs one outbox entry; a panicking event handler is logged
// and must not wedge delivery.
func (s *Socket) runGuarded(a func()) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("wsbeat: event handler panicked: %v", r)
		}
	}()
	a()
}

func (s *Socket) stopTimers() {
	for _, t := range []*Timer{&s.retryTimer, &s.connTimer, &s.hbTimer} {
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
		if err == nil {
			u, err = NormalizeURL(u)
		}
		if err != nil {
			s.attemptFailed(msgfmt.Wrap(err, "wsbeat: URL function failed: "+err.Error()))
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
	s.opts.Logf("wsbeat: connecting to %s", redactURL(u))
	conn, err := s.opts.Transport.Dial(u, s.opts.Protocols, &connEvents{s: s, gen: s.gen})
	if err != nil {
		s.attemptFailed(msgfmt.Wrap(err, "wsbeat: failed to dial "+msgfmt.Quote(redactURL(u))+": "+err.Error()))
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
// then a retry or the closed state.
func (s *Socket) ended(info CloseInfo, wasOpen bool) {
	s.judgeUptime()
	s.conn = nil
	s.gen++
	s.stopTimers()
	s.pingSentAt = time.Time{}
	s.protocol, s.extensions = "", ""
	if s.userClosed {
		s.setState(StateClosed)
		s.emit(Event{Type: EventClose, Close: info})
		return
	}
	delay, ok := s.nextRetry(info, wasOpen)
	if !ok {
		s.dropQueue()
		s.setState(StateClosed)
		s.emit(Event{Type: EventClose, Close: info})
		return
	}
	s.retryCount++
	s.setState(StateReconnecting)
	s.emit(Event{Type: EventClose, Close: info, WillReconnect: true})
	s.emit(Event{Type: EventReconnecting, Attempt: s.retryCount, Delay: delay})
	g := s.gen
	s.retryTimer = s.opts.Clock.AfterFunc(delay, func() { s.retryDue(g) })
}

// nextRetry decides whether to retry after info and how long to wait.
func (s *Socket) nextRetry(info CloseInfo, wasOpen bool) (time.Duration, bool) {
	if s.opts.MaxRetries < 0 || (s.opts.MaxRetries > 0 && s.retryCount >= s.opts.MaxRetries) {
		return 0, false
	}
	if wasOpen && !s.callShouldReconnect(info) {
		return 0, false
	}
	if !wasOpen && info.Code != CodeAbnormal && !s.callShouldReconnect(info) {
		return 0, false
	}
	var delay time.Duration
	if !(wasOpen && s.retryCount == 0) {
		delay = backoffDelay(&s.opts, s.retryCount)
	}
	if !s.online && delay < s.opts.MaxReconnectionDelay {
		delay = s.opts.MaxReconnectionDelay
	}
	return delay, true
}

// callShouldReconnect runs the user's policy; a panic counts as "yes", the
// default for most codes, so a faulty policy cannot wedge the Socket.
func (s *Socket) callShouldReconnect(info CloseInfo) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("wsbeat: ShouldReconnect panicked: %v", r)
			ok = true
		}
	}()
	return s.opts.ShouldReconnect(info)
}

func (s *Socket) retryDue(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen || s.state != StateReconnecting || s.paused {
		return
	}
	s.startAttempt()
}

func (s *Socket) dropQueue() {
	if s.queue.len() == 0 {
		return
	}
	s.emit(Event{Type: EventDrop, Dropped: s.queue.take(), DropReason: DropClosed})
}

// --- connection events ---

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
	s.pingSentAt = time.Time{}
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

// flush sends the queue on the connection of generation g.
func (s *Socket) flush(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen || s.state != StateOpen || s.conn == nil {
		return
	}
	for s.queue.len() > 0 {
		m := s.queue.items[s.queue.head]
		if err := s.conn.Send(m); err != nil {
			return // the connection is failing; the rest waits for the next
		}
		s.queue.popOldest()
	}
}

// judgeUptime resets the retry count once the open connection has stayed
// up MinUptime. It is judged when the count is read or the connection
// ends, not by a timer: an idle socket should wake only for its heartbeat.
func (s *Socket) judgeUptime() {
	if s.state != StateOpen && s.state != StateClosing {
		return
	}
	if s.opts.Clock.Now().Sub(s.openedAt) >= s.opts.MinUptime {
		s.retryCount = 0
	}
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
		if pong {
			s.lastRTT, s.haveRTT = now.Sub(s.pingSentAt), true
			s.emit(Event{Type: EventHeartbeat, RTT: s.lastRTT})
		}
		s.pingSentAt = time.Time{}
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
	s.emit(Event{Type: EventError, Err: err})
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

// --- heartbeat ---

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

func (s *Socket) sendPing(now time.Time) {
	msg := s.opts.HeartbeatMessage
	if f := s.opts.HeartbeatMessageFunc; f != nil {
		msg = callPingFunc(f, msg)
	}
	s.pingSentAt = now
	s.pingDue = now.Add(s.opts.HeartbeatTimeout)
	s.pingGrace = false
	ahead := s.conn.BufferedAmount()
	if err := s.conn.Send(Text(msg)); err != nil {
		s.opts.Logf("wsbeat: ping failed: %v", err)
	}
	// Only a ping queued behind the page's own data may wait for it to
	// drain; the ping's own bytes leaving is no sign of life.
	s.pingBuf = 0
	if ahead > 0 {
		s.pingBuf = s.conn.BufferedAmount()
	}
	s.scheduleHeartbeat(s.pingDue, now)
}

func callPingFunc(f func() string, fallback string) (msg string) {
	defer func() {
		if recover() != nil {
			msg = fallback
		}
	}()
	return f()
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
		s.pingSentAt = time.Time{}
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
		s.opts.Logf("wsbeat: heartbeat timeout after %v", now.Sub(s.pingSentAt))
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
