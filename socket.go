package wsbeat

import (
	"context"
	"sync"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// A Socket is a WebSocket connection that stays up: it pings after inbound
// silence, declares the connection dead when a ping goes unanswered,
// reconnects with full-jitter exponential backoff, and queues messages sent
// while it is not open. All of its methods are safe for concurrent use and
// never block on the network; what happens is reported through
// Options.OnEvent, in order, one event at a time. The Socket calls user
// code (OnEvent, ShouldReconnect, HeartbeatMessageFunc, Logf, a URLFunc)
// only with its lock released, so any of them may call any method.
type Socket struct {
	opts  Options
	url   string
	urlFn URLFunc

	// mu guards what follows. Unexported methods that do not take it
	// themselves run with it held.
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
	rel        *session // the Reliable Socket's session; nil without Reliable
	online     bool
	paused     bool       // Pause: no connection until Resume
	ending     *CloseInfo // an end that waits for ShouldReconnect; see askPolicy

	// timers, each tagged with the generation it belongs to
	retryTimer   Timer
	connTimer    Timer // connection timeout, or the closing handshake's
	hbTimer      Timer
	hbSeq        uint64 // identifies the current hbTimer; never reused
	cancelURLCtx context.CancelFunc

	// heartbeat bookkeeping of the open connection
	lastRecv    time.Time // last inbound message seen by Received (or open)
	hbDue       time.Time // when the heartbeat timer was due
	pingSentAt  time.Time // zero when no ping is outstanding
	pingPending bool      // the outstanding ping waits for HeartbeatMessageFunc
	pingDue     time.Time // when the outstanding ping times out
	pingBuf     int       // the conn's BufferedAmount when the ping was sent or last progressed
	pingGrace   bool      // the outstanding ping had its one late-wake grace
	lastRTT     time.Duration
	haveRTT     bool

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
	if o.Reliable {
		s.rel = newSession(&o)
	}
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

// QueuedMessages returns how many messages wait for the next connection;
// with Reliable, how many await acknowledgement, sent or not.
func (s *Socket) QueuedMessages() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rel != nil {
		n, _ := s.rel.c.Unacked()
		return n
	}
	return s.queue.len()
}

// QueuedBytes returns the size of the messages waiting in the queue; with
// Reliable, of those that await acknowledgement, sent or not.
func (s *Socket) QueuedBytes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rel != nil {
		_, n := s.rel.c.Unacked()
		return n
	}
	return s.queue.bytes
}

// BufferedAmount returns the bytes sent but not yet on the wire plus the
// bytes in the queue. With Reliable it is the payload bytes that await
// acknowledgement, which include those not yet on the wire.
func (s *Socket) BufferedAmount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rel != nil {
		_, n := s.rel.c.Unacked()
		return n
	}
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
