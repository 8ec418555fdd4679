package reliable

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// Message is one application message.
type Message struct {
	Binary bool
	Data   []byte
}

// Errors that end a session; Read, Write and Flush return them after.
var (
	// ErrSessionExpired: the client did not come back within the TTL.
	ErrSessionExpired = errors.New("wsbeat.reliable: session expired")
	// ErrSessionClosed: Close was called, or the handler returned.
	ErrSessionClosed = errors.New("wsbeat.reliable: session closed")
	// ErrClientClosed: the client ended the session (a bye frame).
	ErrClientClosed = errors.New("wsbeat.reliable: session closed by the client")
	// ErrServerClosed: Server.Close was called.
	ErrServerClosed = errors.New("wsbeat.reliable: server closed")
)

// A Session is one client's conversation, across its connections. Its
// methods may be called from any goroutine.
type Session struct {
	srv     *Server
	id      string
	resumed bool
	ctx     context.Context
	cancel  context.CancelFunc

	mu       sync.Mutex
	out      *wire.Outbound[Message]
	in       *wire.Inbound
	queue    []wire.Pending[Message] // accepted, not yet read
	conn     *conn                   // the attached connection, or nil
	ackDue   bool                    // an ack should go out now
	ackTimer *time.Timer
	expiry   *time.Timer   // runs while no connection is attached
	changed  chan struct{} // closed and replaced by broadcast
	waiting  int           // goroutines waiting on changed
	err      error         // why the session ended; nil while it lives
}

func newSession(srv *Server, id string, resumed bool) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	return &Session{
		srv:     srv,
		id:      id,
		resumed: resumed,
		ctx:     ctx,
		cancel:  cancel,
		out:     wire.NewOutbound[Message](srv.opts.Limits),
		in:      wire.NewInbound(srv.opts.Limits, srv.opts.Ack),
		changed: make(chan struct{}),
	}
}

// ID returns the session id the client resumes with.
func (s *Session) ID() string { return s.id }

// Done returns a channel that is closed when the session ends: expired,
// closed by either side, or ended by Server.Close.
func (s *Session) Done() <-chan struct{} { return s.ctx.Done() }

// Resumed reports whether this instance took the session over from the
// Store (its handler started for a session another instance began).
func (s *Session) Resumed() bool { return s.resumed }

// broadcast wakes everyone waiting for a change; s.mu is held. With no
// one waiting it costs nothing, which is the common case per message.
func (s *Session) broadcast() {
	if s.waiting == 0 {
		return
	}
	close(s.changed)
	s.changed = make(chan struct{})
	s.waiting = 0
}

// Read returns the client's next message, waiting for it while ctx allows.
// Each message is returned once, in the client's order, across
// reconnects. It fails with ctx's error, or the error that ended the
// session once everything received before was read.
func (s *Session) Read(ctx context.Context) (Message, error) {
	s.mu.Lock()
	for len(s.queue) == 0 {
		if err := s.waitLocked(ctx); err != nil {
			s.mu.Unlock()
			return Message{}, err
		}
	}
	p := s.queue[0]
	// Recorded before the application has it, so that an instance taking
	// the session over does not deliver it again. A session that has
	// ended is no longer in the Store; what it had received is still read.
	if s.err == nil {
		if err := s.srv.opts.Store.Deliver(s.ctx, s.id, s.srv.owner, p.Seq); err != nil {
			s.endLocked(storeError(err), false)
			err := s.err
			s.mu.Unlock()
			return Message{}, err
		}
	}
	s.queue[0] = wire.Pending[Message]{}
	s.queue = s.queue[1:]
	switch s.in.Deliver(p.Seq, p.Size) {
	case wire.AckNow:
		s.stopAckTimer()
		s.ackDue = true
		s.wakeConn()
	case wire.AckLater:
		if s.ackTimer == nil {
			s.ackTimer = time.AfterFunc(s.srv.opts.Ack.Delay, s.ackTimerFired)
		}
	}
	s.mu.Unlock()
	return p.Msg, nil
}

// waitLocked waits for a change, with s.mu held around it. It fails, at
// once, with the error that ended the session or with ctx's; a session
// that ends wins over the handler's ctx, which ends with it.
func (s *Session) waitLocked(ctx context.Context) error {
	if s.err != nil {
		return s.err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ch := s.changed
	s.waiting++
	s.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
	}
	s.mu.Lock()
	return nil
}

func (s *Session) ackTimerFired() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ackTimer = nil
	s.ackDue = true
	s.wakeConn()
}

// stopAckTimer; s.mu is held.
func (s *Session) stopAckTimer() {
	if s.ackTimer != nil {
		s.ackTimer.Stop()
		s.ackTimer = nil
	}
}

// wakeConn tells the attached connection's writer to look; s.mu is held.
func (s *Session) wakeConn() {
	if s.conn != nil {
		s.conn.wake()
	}
}

// Write takes m for delivery: it returns once m is in the session's
// replay buffer, numbered after every earlier Write, and the session sends
// it on this or a later connection until the client acknowledges it. When
// the buffer holds Options.Limits unacknowledged, Write waits for room
// while ctx allows. It fails with wire.ErrTooLarge for a message larger
// than the byte limit, with ctx's error, or with the error that ended the
// session. Write copies m.Data.
func (s *Session) Write(ctx context.Context, m Message) error {
	m.Data = append([]byte(nil), m.Data...)
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.err != nil {
			return s.err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		seq, err := s.out.Push(m, len(m.Data))
		if err == nil {
			if err := s.srv.opts.Store.Append(s.ctx, s.id, s.srv.owner, Stored{Seq: seq, Msg: m, Size: len(m.Data)}); err != nil {
				s.endLocked(storeError(err), false)
				return s.err
			}
			s.wakeConn()
			return nil
		}
		if !errors.Is(err, wire.ErrBufferFull) {
			return err
		}
		if err := s.waitLocked(ctx); err != nil {
			return err
		}
	}
}

// Flush waits until the client has acknowledged everything written, while
// ctx allows.
func (s *Session) Flush(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.out.Len() > 0 {
		if err := s.waitLocked(ctx); err != nil {
			return err
		}
	}
	return nil
}

// Unacked returns how many messages written await the client's
// acknowledgement, and their bytes.
func (s *Session) Unacked() (messages, bytes int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.out.Len(), s.out.Bytes()
}

// Close ends the session: the connection is closed with 1000, the session
// is removed from the Store, and a client that comes back gets a new one
// (and reports what it had not seen acknowledged). Call Flush first to
// make sure the client has everything written.
func (s *Session) Close() error {
	s.end(ErrSessionClosed, true)
	return nil
}

func (s *Session) end(err error, remove bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.endLocked(err, remove)
}

// endLocked ends the session with err unless it has ended; s.mu is held.
func (s *Session) endLocked(err error, remove bool) {
	if s.err != nil {
		return
	}
	s.err = err
	s.cancel()
	s.stopAckTimer()
	if s.expiry != nil {
		s.expiry.Stop()
	}
	if s.conn != nil {
		s.conn.close(1000, err.Error())
		s.conn = nil
	}
	s.broadcast()
	s.srv.forget(s)
	if remove {
		// A session another instance has claimed is not ours to delete.
		s.srv.opts.Store.Delete(context.Background(), s.id, s.srv.owner)
	}
}

// attach makes c the session's connection, replacing an older one (a
// client that reconnects before this side saw the old connection die), and
// queues the welcome and the replay of everything after received.
func (s *Session) attach(c *conn, received int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if _, err := s.out.Resume(received); err != nil {
		return err
	}
	if err := s.srv.opts.Store.Ack(s.ctx, s.id, s.srv.owner, received); err != nil {
		s.endLocked(storeError(err), false)
		return s.err
	}
	resume := s.in.Reconnected()
	if s.conn != nil {
		s.conn.close(1000, "replaced by a newer connection")
	}
	if s.expiry != nil {
		s.expiry.Stop()
		s.expiry = nil
	}
	s.stopAckTimer()
	s.ackDue = false
	s.conn = c
	c.welcome = wire.Control(wire.Frame{Kind: wire.Welcome, Session: s.id, Seq: resume})
	c.next = received + 1
	s.broadcast()
	return nil
}

// detach ends c's part in the session and starts the TTL.
func (s *Session) detach(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != c || s.err != nil {
		return
	}
	s.conn = nil
	s.srv.opts.Store.Touch(s.ctx, s.id, s.srv.owner, s.srv.opts.TTL)
	s.expiry = time.AfterFunc(s.srv.opts.TTL, s.expire)
	s.broadcast()
}

func (s *Session) expire() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		return
	}
	s.endLocked(ErrSessionExpired, true)
}

func storeError(err error) error {
	if errors.Is(err, ErrSessionMoved) {
		return ErrSessionMoved
	}
	return errors.New("wsbeat.reliable: store: " + err.Error())
}
