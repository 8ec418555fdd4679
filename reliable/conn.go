package reliable

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// conn is one connection of a session: a reader (the HTTP handler's
// goroutine) and a writer goroutine, which sends the welcome, then every
// message of the replay buffer from next on, acks and pongs.
type conn struct {
	s        *Session
	ws       *websocket.Conn
	wakeCh   chan struct{}
	done     chan struct{} // closed when the connection is over
	lastRead atomic.Int64  // when the last frame arrived, in Unix nanoseconds

	// guarded by s.mu
	welcome string // to send first; "" once sent
	next    int64  // the next sequence to send
	pongDue bool
	closed  bool
}

func newConn(s *Session, ws *websocket.Conn) *conn {
	c := &conn{s: s, ws: ws, wakeCh: make(chan struct{}, 1), done: make(chan struct{})}
	c.lastRead.Store(time.Now().UnixNano())
	return c
}

func (c *conn) wake() {
	select {
	case c.wakeCh <- struct{}{}:
	default:
	}
}

// close closes the connection with code and reason without waiting; s.mu
// is held.
func (c *conn) close(code websocket.StatusCode, reason string) {
	if c.closed {
		return
	}
	c.closed = true
	close(c.done)
	go c.ws.Close(code, truncate(reason))
}

// serve reads until the connection ends, then detaches it from the
// session and waits for its writer.
func (c *conn) serve() {
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		c.writeLoop()
	}()
	code, err := c.readLoop()
	s := c.s
	s.mu.Lock()
	if !c.closed {
		c.closed = true
		close(c.done)
	}
	s.mu.Unlock()
	if code != 0 {
		s.srv.opts.Logf("wsbeat.reliable: session %s: %v", s.id, err)
		c.ws.Close(code, truncate(err.Error()))
	}
	s.detach(c)
	<-writerDone
}

// readLoop handles inbound frames until the connection fails (code 0) or
// the client breaks the protocol (the close code to send).
func (c *conn) readLoop() (websocket.StatusCode, error) {
	s := c.s
	for {
		typ, b, err := c.ws.Read(context.Background())
		if err != nil {
			return 0, err
		}
		c.lastRead.Store(time.Now().UnixNano())
		f, payload, err := wire.Decode(typ == websocket.MessageBinary, b)
		if err != nil {
			return wire.CodeProtocolError, err
		}
		s.mu.Lock()
		if s.conn != c {
			s.mu.Unlock()
			return 0, errors.New("replaced")
		}
		code, err := c.handle(f, payload)
		s.mu.Unlock()
		if err != nil {
			return code, err
		}
	}
}

// handle applies one inbound frame; s.mu is held.
func (c *conn) handle(f wire.Frame, payload []byte) (websocket.StatusCode, error) {
	s := c.s
	switch f.Kind {
	case wire.Data:
		ok, err := s.in.Accept(f.Seq, len(payload))
		if errors.Is(err, wire.ErrPeerOverflow) {
			return wire.CodePolicyViolation, err
		}
		if err != nil {
			return wire.CodeProtocolError, err
		}
		if ok {
			s.queue = append(s.queue, wire.Pending[Message]{Seq: f.Seq, Msg: Message{Binary: f.Binary, Data: payload}, Size: len(payload)})
			s.broadcast()
		}
	case wire.Ack, wire.Pong:
		if err := c.ack(f.Seq); err != nil {
			return wire.CodeProtocolError, err
		}
	case wire.Ping:
		if err := c.ack(f.Seq); err != nil {
			return wire.CodeProtocolError, err
		}
		c.pongDue = true
		c.wake()
	case wire.Bye:
		if err := c.ack(f.Seq); err != nil {
			return wire.CodeProtocolError, err
		}
		s.endLocked(ErrClientClosed, true)
	default:
		return wire.CodeProtocolError, errors.New("wsbeat.reliable: protocol error: " + f.Kind.String() + " from a client")
	}
	return 0, nil
}

// ack applies the client's cumulative ack; s.mu is held.
func (c *conn) ack(seq int64) error {
	s := c.s
	n, err := s.out.Ack(seq)
	if err != nil || n == 0 {
		return err
	}
	if err := s.srv.opts.Store.Ack(s.ctx, s.id, s.srv.owner, seq); err != nil {
		s.endLocked(storeError(err), false)
		return err
	}
	s.broadcast()
	return nil
}

// maxBatch bounds the messages the writer takes per look, so that acks and
// pongs are not stuck behind a long replay.
const maxBatch = 64

type outFrame struct {
	typ  websocket.MessageType
	seq  int64 // data frames
	data []byte
	text string // control frames
}

// writeLoop sends what the session has for this connection until it ends.
func (c *conn) writeLoop() {
	s := c.s
	opts := &s.srv.opts
	// One ticker for the store's expiry (TTL/3) and the idle check.
	tick := time.NewTicker(min(opts.TTL/3, opts.IdleTimeout/4))
	defer tick.Stop()
	var frames []outFrame
	var buf []byte
	for {
		frames = c.take(frames[:0])
		if frames == nil {
			return
		}
		// One deadline per batch: a timer per message would cost more
		// than the write.
		ctx, cancel := context.WithTimeout(context.Background(), s.srv.opts.WriteTimeout)
		for _, f := range frames {
			var err error
			if f.text != "" {
				err = c.ws.Write(ctx, websocket.MessageText, []byte(f.text))
			} else {
				buf = append(wire.AppendDataHeader(buf[:0], f.seq), f.data...)
				err = c.ws.Write(ctx, f.typ, buf)
			}
			if err != nil {
				cancel()
				c.ws.CloseNow() // the reader sees it and detaches
				return
			}
		}
		cancel()
		if len(frames) > 0 {
			continue
		}
		select {
		case <-c.wakeCh:
		case <-c.done:
			return
		case <-tick.C:
			if time.Since(time.Unix(0, c.lastRead.Load())) > opts.IdleTimeout {
				s.srv.opts.Logf("wsbeat.reliable: session %s: nothing received for %v: closing the connection", s.id, opts.IdleTimeout)
				c.ws.CloseNow() // the reader sees it and detaches
				return
			}
			s.mu.Lock()
			if s.conn == c {
				opts.Store.Touch(s.ctx, s.id, s.srv.owner, opts.TTL)
			}
			s.mu.Unlock()
		}
	}
}

// take collects what is due: the welcome, an ack, a pong, then messages
// from c.next on. It returns nil when the connection is over.
func (c *conn) take(frames []outFrame) []outFrame {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.closed || s.conn != c {
		return nil
	}
	if frames == nil {
		frames = []outFrame{}
	}
	if c.welcome != "" {
		frames = append(frames, outFrame{text: c.welcome})
		c.welcome = ""
	}
	if s.ackDue || c.pongDue {
		ack, fresh := s.in.TakeAck() // Read recorded it in the Store
		if c.pongDue {
			frames = append(frames, outFrame{text: wire.Control(wire.Frame{Kind: wire.Pong, Seq: ack})})
		} else if fresh {
			frames = append(frames, outFrame{text: wire.Control(wire.Frame{Kind: wire.Ack, Seq: ack})})
		}
		s.ackDue, c.pongDue = false, false
		s.stopAckTimer()
	}
	unacked := s.out.Unacked()
	if len(unacked) > 0 {
		i := max(int(c.next-unacked[0].Seq), 0)
		for ; i < len(unacked) && len(frames) < maxBatch; i++ {
			p := unacked[i]
			typ := websocket.MessageText
			if p.Msg.Binary {
				typ = websocket.MessageBinary
			}
			frames = append(frames, outFrame{typ: typ, seq: p.Seq, data: p.Msg.Data})
			c.next = p.Seq + 1
		}
	}
	return frames
}
