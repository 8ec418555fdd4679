package wire

// Client is the client's side of the protocol for one socket, without I/O
// or timers: the engine owns the connection and calls it for every event.
// Its methods return the frames to send as strings (control frames) or
// as the messages to frame (Unsent); the caller sends them in the order
// it gets them.
//
// One connection goes: Hello (send it), Handle of every frame received
// (the first must be the welcome), Unsent after the welcome and after
// every Send, Ack when an AckAction says so, Ping for the heartbeat,
// Closed when the connection ends. Bye ends the session on purpose.
type Client[M any] struct {
	out     *Outbound[M]
	in      *Inbound
	limits  Limits
	policy  AckPolicy
	session string
	open    bool  // the welcome of this connection has arrived
	next    int64 // the next sequence to send on this connection
}

// NewClient returns a Client whose replay buffer is bounded by limits and
// which acknowledges by policy.
func NewClient[M any](limits Limits, policy AckPolicy) *Client[M] {
	return &Client[M]{
		out:    NewOutbound[M](limits),
		in:     NewInbound(limits, policy),
		limits: limits,
		policy: policy,
	}
}

// Result is what one received frame means for the application.
type Result[M any] struct {
	// Opened: the welcome arrived; the connection is open for the
	// application and Unsent has the replay.
	Opened bool
	// Lost is set when the welcome named another session than the one
	// resumed: LostSession is gone, and Lost are the messages whose
	// delivery cannot be confirmed, in order (maybe none). Report them
	// (sessionlost) before anything of the new session.
	LostSession string
	Lost        []Pending[M]
	// Deliver: a data frame to hand to the application, in order; Binary
	// is its type. Duplicates are not reported.
	Deliver bool
	Binary  bool
	// Ack says whether to acknowledge after delivering.
	Ack AckAction
	// Pong: the peer pinged; send Pong().
	Pong bool
}

// Send numbers m and holds it until acknowledged; it is sent by the next
// Unsent while a connection is open. It fails, taking nothing, with
// ErrBufferFull, ErrTooLarge or ErrSeqExhausted.
func (c *Client[M]) Send(m M, size int) (int64, error) { return c.out.Push(m, size) }

// Hello starts a connection: it returns the hello frame to send first.
func (c *Client[M]) Hello() string {
	c.open, c.next = false, 0
	if c.session == "" {
		return Control(Frame{Kind: Hello})
	}
	return Control(Frame{Kind: Hello, Session: c.session, Seq: c.in.Reconnected()})
}

// Closed ends the connection: nothing is sent until the next Hello and
// welcome. Everything unacknowledged stays for replay.
func (c *Client[M]) Closed() { c.open, c.next = false, 0 }

// Open reports whether the current connection has been welcomed.
func (c *Client[M]) Open() bool { return c.open }

// Session is the current session id, "" before the first welcome.
func (c *Client[M]) Session() string { return c.session }

// Handle applies one received frame, decoded by Decode, whose data
// payload has size bytes. An error wraps ErrProtocol or ErrPeerOverflow:
// close with CodeProtocolError or CodePolicyViolation.
func (c *Client[M]) Handle(f Frame, size int) (Result[M], error) {
	var r Result[M]
	if !c.open {
		if f.Kind != Welcome {
			return r, protocolErrorf("%s before the welcome", f.Kind)
		}
		if c.session != "" && f.Session != c.session {
			r.LostSession, r.Lost = c.session, c.out.Reset()
			c.in = NewInbound(c.limits, c.policy)
		} else if c.session != "" {
			if _, err := c.out.Resume(f.Seq); err != nil {
				return r, err
			}
		} else if f.Seq != 0 {
			return r, protocolErrorf("welcome of a new session at %d", f.Seq)
		}
		c.session, c.open, c.next = f.Session, true, c.out.Acked()+1
		r.Opened = true
		return r, nil
	}
	switch f.Kind {
	case Data:
		ok, err := c.in.Accept(f.Seq, size)
		if err != nil || !ok {
			return r, err
		}
		r.Deliver, r.Binary = true, f.Binary
		r.Ack = c.in.Deliver(f.Seq, size)
	case Ack, Pong:
		_, err := c.out.Ack(f.Seq)
		return r, err
	case Ping:
		_, err := c.out.Ack(f.Seq)
		r.Pong = err == nil
		return r, err
	default:
		return r, protocolErrorf("%s from the server", f.Kind)
	}
	return r, nil
}

// Unsent returns the messages to send now, in order, and counts them as
// sent on this connection: after the welcome the replay, later what Send
// added. Nothing before the welcome. The slice is valid until the next
// call of a method of c.
func (c *Client[M]) Unsent() []Pending[M] {
	if !c.open {
		return nil
	}
	u := c.out.Unacked()
	if len(u) == 0 {
		return nil
	}
	i := max(int(c.next-u[0].Seq), 0)
	if i >= len(u) {
		return nil
	}
	c.next = u[len(u)-1].Seq + 1
	return u[i:]
}

// Ack returns the ack frame to send, or "" when everything delivered is
// acknowledged.
func (c *Client[M]) Ack() string {
	seq, ok := c.in.TakeAck()
	if !ok {
		return ""
	}
	return Control(Frame{Kind: Ack, Seq: seq})
}

// Ping returns the heartbeat's ping, carrying the ack.
func (c *Client[M]) Ping() string {
	seq, _ := c.in.TakeAck()
	return Control(Frame{Kind: Ping, Seq: seq})
}

// Pong returns the answer to the server's ping, carrying the ack.
func (c *Client[M]) Pong() string {
	seq, _ := c.in.TakeAck()
	return Control(Frame{Kind: Pong, Seq: seq})
}

// Bye returns the frame that ends the session on purpose, carrying the
// final ack; the caller then closes with 1000. The Client starts a new
// session on its next Hello; what was unacknowledged is returned, as for
// a lost session.
func (c *Client[M]) Bye() (string, []Pending[M]) {
	seq, _ := c.in.TakeAck()
	f := Control(Frame{Kind: Bye, Seq: seq})
	lost := c.out.Reset()
	c.in = NewInbound(c.limits, c.policy)
	c.session, c.open, c.next = "", false, 0
	return f, lost
}

// Unacked is how many messages, and payload bytes, await acknowledgement
// (sent or not): the socket's queue figures and bufferedAmount.
func (c *Client[M]) Unacked() (messages, bytes int) { return c.out.Len(), c.out.Bytes() }

// Full reports whether Send of size bytes would fail with ErrBufferFull.
func (c *Client[M]) Full(size int) bool { return c.out.Full(size) }

// Received is the last server message delivered.
func (c *Client[M]) Received() int64 { return c.in.Delivered() }
