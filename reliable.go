package wsbeat

import (
	"errors"
	"math"
	"strconv"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// This file is the engine's side of wsbeat.reliable.v1 (docs/reliable.md,
// "The client's side"): the session, the handshake, numbering, replay,
// duplicate discard and acknowledgements. The transport moves frames; the
// engine reads only control frames and data frames' headers.

// Subprotocol is the WebSocket subprotocol a Reliable Socket offers and
// requires.
const Subprotocol = wire.Subprotocol

// DataSender is a Conn that writes a Reliable Socket's data frames itself:
// the header "<seq>:" then m's payload, in a frame of m's type. The browser's
// transport implements it, since there Message.Data is a page's value that Go
// never reads. For a Conn without it the engine frames string and []byte
// Data itself and calls Send.
type DataSender interface {
	SendData(seq int64, m Message) error
}

// session is a Reliable Socket's session: the protocol's client side
// (wire.Client: numbering, replay buffer, handshake, acks) and what the
// engine adds around it.
type session struct {
	c         *wire.Client[Message]
	helloSent bool  // the current connection is open and waits for its welcome
	ackTimer  Timer // sends the delayed ack
}

// newSession returns the session of a Socket with options o: its replay
// buffer is bounded by the queue's limits. The engine delivers a message as
// it accepts it, so it holds nothing for the server, whose own limits bound
// what it sends: the receive limits are only a sanity bound.
func newSession(o *Options) *session {
	send := wire.Limits{Messages: o.MaxEnqueuedMessages, Bytes: o.MaxEnqueuedBytes}
	receive := wire.Limits{Messages: math.MaxInt32, Bytes: math.MaxInt32}
	return &session{c: wire.NewClientLimits[Message](send, receive, wire.AckPolicy{})}
}

// forget ends the session: the next connection starts a new one. It
// returns the bye frame to send, if the connection is open, and the
// messages whose delivery is not confirmed.
func (r *session) forget() (string, []Message) {
	bye, lost := r.c.Bye()
	return bye, payloads(lost)
}

func payloads(ps []wire.Pending[Message]) []Message {
	if len(ps) == 0 {
		return nil
	}
	ms := make([]Message, len(ps))
	for i, p := range ps {
		ms[i] = p.Msg
	}
	return ms
}

// reliableOpened runs when the transport reports the WebSocket open: it
// checks the subprotocol and sends the hello. The Socket stays connecting,
// with the connection timer running, until the welcome.
func (s *Socket) reliableOpened(protocol, extensions string, now time.Time) {
	if protocol != wire.Subprotocol {
		got := "none"
		if protocol != "" {
			got = msgfmt.Quote(protocol)
		}
		msg := "wsbeat: the server did not select the subprotocol " + wire.Subprotocol + " that Reliable requires (it selected " + got + ")"
		s.conn.Abandon(wire.CodeProtocolError, "subprotocol "+wire.Subprotocol+" required")
		s.emit(Event{Type: EventError, Err: newError(ErrReliableRefused, msg, nil)})
		s.ended(CloseInfo{Code: wire.CodeProtocolError, Reason: msg}, false)
		return
	}
	s.protocol, s.extensions = protocol, extensions
	s.lastRecv = now
	s.rel.helloSent = true
	s.sendControl(s.rel.c.Hello())
}

// sendControl sends a control frame; "" sends nothing. A failure is the
// connection failing, whose Closed follows.
func (s *Socket) sendControl(frame string) {
	if frame == "" {
		return
	}
	if err := s.conn.Send(Text(frame)); err != nil {
		s.logf("wsbeat: sending %s failed: %v", frame[:1], err)
	}
}

// receiveFrame handles one message of a Reliable Socket's connection, which
// is open or waits for its welcome.
func (s *Socket) receiveFrame(m Message, now time.Time) {
	var (
		f       wire.Frame
		payload Message
		err     error
	)
	switch d := m.Data.(type) {
	case string:
		var p string
		f, p, err = wire.Decode(m.Binary, d)
		payload = Message{Binary: m.Binary, Data: p, Size: len(p)}
	case []byte:
		var p []byte
		f, p, err = wire.Decode(m.Binary, d)
		payload = Message{Binary: m.Binary, Data: p, Size: len(p)}
	default:
		err = protocolErrorf("a frame whose Data the engine cannot read")
	}
	if err != nil {
		s.protocolFailure(err)
		return
	}
	s.answered(f.Kind == wire.Pong, now)
	if s.handleFrame(f, payload.Size) {
		s.emit(Event{Type: EventMessage, Message: payload})
	}
}

// handleFrame applies frame f, of size payload bytes, and reports whether
// it is a data frame to deliver now.
func (s *Socket) handleFrame(f wire.Frame, size int) bool {
	r := s.rel
	res, err := r.c.Handle(f, size)
	if err != nil {
		s.protocolFailure(err)
		return false
	}
	switch {
	case res.Opened:
		s.welcomed(res.LostSession, payloads(res.Lost))
	case res.Pong:
		s.sendControl(r.c.Pong())
	case res.Ack == wire.AckNow:
		s.sendAck()
	case res.Ack == wire.AckLater && r.ackTimer == nil:
		g := s.gen
		r.ackTimer = s.opts.Clock.AfterFunc(wire.DefaultAckDelay, func() { s.ackDue(g) })
	}
	return res.Deliver
}

// acceptData is ReceivedData for a transport that delivers data itself.
func (s *Socket) acceptData(seq int64, size int) bool {
	return s.handleFrame(wire.Frame{Kind: wire.Data, Seq: seq}, size)
}

func (s *Socket) ackDue(g uint64) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if g != s.gen {
		return
	}
	s.rel.ackTimer = nil
	s.sendAck()
}

// sendAck sends what there is to acknowledge, if anything.
func (s *Socket) sendAck() {
	r := s.rel
	if r.ackTimer != nil {
		r.ackTimer.Stop()
		r.ackTimer = nil
	}
	if s.conn != nil && s.state == StateOpen {
		s.sendControl(r.c.Ack())
	}
}

// welcomed completes the handshake: a lost session is reported first, then
// what the server has not acknowledged is replayed, then the Socket opens.
func (s *Socket) welcomed(lostSession string, lost []Message) {
	s.rel.helloSent = false
	if lostSession != "" {
		s.logf("wsbeat: session %s lost, %d messages unconfirmed", lostSession, len(lost))
		s.emit(Event{Type: EventSessionLost, Unconfirmed: lost, Session: lostSession})
	}
	s.sendUnsent()
	s.opened(s.opts.Clock.Now())
}

// sendUnsent sends, in order, what the open connection has not carried yet:
// the replay after the welcome, then each message as it is sent.
func (s *Socket) sendUnsent() bool {
	for _, p := range s.rel.c.Unsent() {
		if err := s.sendData(p.Seq, p.Msg); err != nil {
			return false // the conn is failing; the rest waits for the next one
		}
	}
	return true
}

// sendData sends data frame seq with m's payload on the connection.
func (s *Socket) sendData(seq int64, m Message) error {
	if d, ok := s.conn.(DataSender); ok {
		return d.SendData(seq, m)
	}
	switch d := m.Data.(type) {
	case string:
		h := wire.DataHeader(seq)
		return s.conn.Send(Message{Binary: m.Binary, Data: h + d, Size: len(h) + len(d)})
	case []byte:
		b := make([]byte, 0, len(d)+17)
		b = append(wire.AppendDataHeader(b, seq), d...)
		return s.conn.Send(Message{Binary: m.Binary, Data: b, Size: len(b)})
	}
	return invalidMessage("the transport cannot frame Data of this type for a Reliable Socket")
}

// sendReliable is Send for a Reliable Socket: m joins the replay buffer,
// and goes out now if the Socket is open.
func (s *Socket) sendReliable(m Message) (SendResult, error) {
	open := s.state == StateOpen && s.conn != nil
	if open {
		if err := s.checkBuffer(m); err != nil {
			return 0, err
		}
	}
	r := s.rel
	if _, err := r.c.Send(m, m.Size); err != nil {
		if errors.Is(err, wire.ErrBufferFull) && open && s.opts.heartbeatOn() && s.pingSentAt.IsZero() {
			// Ask for an ack now: the pong carries it.
			s.sendPing(s.opts.Clock.Now())
		}
		n, bytes := r.c.Unacked()
		return 0, newError(ErrQueueFull, ErrQueueFull.Error()+": "+err.Error()+": "+strconv.Itoa(n)+" messages, "+
			strconv.Itoa(bytes)+" bytes await acknowledgement; limits are "+strconv.Itoa(s.opts.MaxEnqueuedMessages)+
			" messages, "+strconv.Itoa(s.opts.MaxEnqueuedBytes)+" bytes", err)
	}
	if !open || !s.sendUnsent() {
		return Queued, nil // the next connection replays m
	}
	return Sent, nil
}

// pingFrame is a Reliable Socket's ping, carrying its ack.
func (s *Socket) pingFrame() string { return s.rel.c.Ping() }

// protocolFailure ends the connection of a server that broke
// wsbeat.reliable.v1: 1002, or 1008 for one that exceeded the limits. The
// session survives; DefaultShouldReconnect does not retry either code.
func (s *Socket) protocolFailure(cause error) {
	code := wire.CodeProtocolError
	if errors.Is(cause, wire.ErrPeerOverflow) {
		code = wire.CodePolicyViolation
	}
	reason := cause.Error()
	if len(reason) > 123 { // the most a close frame holds; cut on a UTF-8 boundary
		n := 123
		for n > 0 && reason[n]&0xc0 == 0x80 {
			n--
		}
		reason = reason[:n]
	}
	wasOpen := s.state == StateOpen || s.state == StateClosing
	s.conn.Abandon(code, reason)
	s.emit(Event{Type: EventError, Err: newError(ErrProtocol, "wsbeat: the server at "+msgfmt.Quote(redactURL(s.connURL))+
		" broke the reliable protocol: "+cause.Error(), cause)})
	s.ended(CloseInfo{Code: code, Reason: reason}, wasOpen)
}

// Session returns the id of a Reliable Socket's session, or "" before the
// first welcome, after the session ended and without Reliable.
func (s *Socket) Session() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.rel == nil {
		return ""
	}
	return s.rel.c.Session()
}

// protocolErrorf returns an error wrapping wire.ErrProtocol, as the wire
// package's own.
func protocolErrorf(what string) error {
	return msgfmt.Wrap(wire.ErrProtocol, wire.ErrProtocol.Error()+": "+what)
}
