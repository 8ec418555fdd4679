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

// session is a Reliable Socket's session: what it has sent and not seen
// acknowledged, and what it has received.
type session struct {
	id        string // "" until the first welcome
	out       wire.Outbound[Message]
	in        wire.Inbound
	helloSent bool  // the current connection is open and waits for its welcome
	ackTimer  Timer // sends the delayed ack
}

func newSession(o *Options) *session {
	s := &session{}
	s.out = *wire.NewOutbound[Message](wire.Limits{Messages: o.MaxEnqueuedMessages, Bytes: o.MaxEnqueuedBytes})
	s.in = *newInbound()
	return s
}

// newInbound returns the engine's Inbound: the engine delivers a message as
// it accepts it and acks by the default policy, so at most a policy's worth
// of messages is ever unacknowledged; a server message of any size up to
// ReadLimit must fit.
func newInbound() *wire.Inbound {
	return wire.NewInbound(wire.Limits{Messages: math.MaxInt32, Bytes: math.MaxInt32}, wire.AckPolicy{})
}

// forget ends the session: the next connection starts a new one.
func (r *session) forget() []Message {
	lost := r.out.Reset()
	r.id = ""
	r.in = *newInbound()
	return payloads(lost)
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
	r := s.rel
	hello := wire.Frame{Kind: wire.Hello}
	if r.id != "" {
		hello.Session, hello.Seq = r.id, r.in.Reconnected()
	}
	r.helloSent = true
	if err := s.conn.Send(Text(wire.Control(hello))); err != nil {
		s.logf("wsbeat: hello failed: %v", err) // the conn is failing; its Closed follows
	}
}

// receiveFrame handles one message of a Reliable Socket's connection, which
// is open (Open, Closing) or waits for its welcome.
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
	r := s.rel
	if r.helloSent != (f.Kind == wire.Welcome) {
		s.protocolFailure(protocolErrorf(f.Kind.String() + " frame out of the handshake's order"))
		return
	}
	switch f.Kind {
	case wire.Welcome:
		s.welcomed(f, now)
		return
	case wire.Data:
		if s.acceptData(f.Seq, payload.Size) {
			s.emit(Event{Type: EventMessage, Message: payload})
		}
		return
	case wire.Ack, wire.Ping, wire.Pong:
		if _, err := r.out.Ack(f.Seq); err != nil {
			s.protocolFailure(err)
			return
		}
	default: // Hello, Bye: the client's frames
		s.protocolFailure(protocolErrorf(f.Kind.String() + " frame from the server"))
		return
	}
	if f.Kind == wire.Ping {
		ack, _ := r.in.TakeAck()
		if err := s.conn.Send(Text(wire.Control(wire.Frame{Kind: wire.Pong, Seq: ack}))); err != nil {
			s.logf("wsbeat: pong failed: %v", err)
		}
	}
}

// acceptData checks data frame seq of size bytes, records it as delivered
// and acknowledges by the policy. It reports whether to deliver it: false
// for a duplicate, or after a protocol failure, which ends the connection.
func (s *Socket) acceptData(seq int64, size int) bool {
	r := s.rel
	ok, err := r.in.Accept(seq, size)
	if err != nil {
		s.protocolFailure(err)
		return false
	}
	if !ok {
		return false
	}
	switch r.in.Deliver(seq, size) {
	case wire.AckNow:
		s.sendAck()
	case wire.AckLater:
		if r.ackTimer == nil {
			g := s.gen
			r.ackTimer = s.opts.Clock.AfterFunc(wire.DefaultAckDelay, func() { s.ackDue(g) })
		}
	}
	return true
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

// sendAck sends what TakeAck has to acknowledge, if anything.
func (s *Socket) sendAck() {
	r := s.rel
	if r.ackTimer != nil {
		r.ackTimer.Stop()
		r.ackTimer = nil
	}
	if s.conn == nil || s.state != StateOpen {
		return
	}
	if ack, ok := r.in.TakeAck(); ok {
		if err := s.conn.Send(Text(wire.Control(wire.Frame{Kind: wire.Ack, Seq: ack}))); err != nil {
			s.logf("wsbeat: ack failed: %v", err)
		}
	}
}

// welcomed completes the handshake: a session lost is reported first, then
// what the server has not acknowledged is replayed, then the Socket opens.
func (s *Socket) welcomed(f wire.Frame, now time.Time) {
	r := s.rel
	r.helloSent = false
	if r.id != "" && f.Session != r.id {
		was := r.id
		lost := r.forget()
		s.logf("wsbeat: session %s lost, %d messages unconfirmed", was, len(lost))
		s.emit(Event{Type: EventSessionLost, Unconfirmed: lost, Session: was})
	}
	if r.id == "" && f.Seq != 0 {
		s.protocolFailure(protocolErrorf("welcome into a new session at " + strconv.FormatInt(f.Seq, 10)))
		return
	}
	replay, err := r.out.Resume(f.Seq)
	if err != nil {
		s.protocolFailure(err)
		return
	}
	r.id = f.Session
	for _, p := range replay {
		if err := s.sendData(p.Seq, p.Msg); err != nil {
			break // the conn is failing; the rest waits for the next one
		}
	}
	s.opened(now)
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
	seq, err := r.out.Push(m, m.Size)
	if err != nil {
		if errors.Is(err, wire.ErrBufferFull) && open && s.opts.heartbeatOn() && s.pingSentAt.IsZero() {
			// Ask for an ack now: the pong carries it.
			s.sendPing(s.opts.Clock.Now())
		}
		return 0, newError(ErrQueueFull, ErrQueueFull.Error()+": "+err.Error()+": "+strconv.Itoa(r.out.Len())+" messages, "+
			strconv.Itoa(r.out.Bytes())+" bytes await acknowledgement; limits are "+strconv.Itoa(s.opts.MaxEnqueuedMessages)+
			" messages, "+strconv.Itoa(s.opts.MaxEnqueuedBytes)+" bytes", err)
	}
	if !open {
		return Queued, nil
	}
	if err := s.sendData(seq, m); err != nil {
		return Queued, nil // the conn is failing; m is replayed on the next one
	}
	return Sent, nil
}

// bye ends the session on purpose on the open connection.
func (s *Socket) bye() {
	r := s.rel
	ack, _ := r.in.TakeAck()
	if err := s.conn.Send(Text(wire.Control(wire.Frame{Kind: wire.Bye, Seq: ack}))); err != nil {
		s.logf("wsbeat: bye failed: %v", err)
	}
}

// pingFrame is a Reliable Socket's ping, carrying its ack.
func (s *Socket) pingFrame() string {
	ack, _ := s.rel.in.TakeAck()
	return wire.Control(wire.Frame{Kind: wire.Ping, Seq: ack})
}

// protocolFailure ends the connection of a server that broke
// wsbeat.reliable.v1: 1002, or 1008 for one that exceeded the limits. The
// session survives; DefaultShouldReconnect does not retry either code.
func (s *Socket) protocolFailure(cause error) {
	code := wire.CodeProtocolError
	if errors.Is(cause, wire.ErrPeerOverflow) {
		code = wire.CodePolicyViolation
	}
	reason := cause.Error()
	if len(reason) > 123 { // the most a close frame holds
		reason = reason[:123]
	}
	wasOpen := s.state == StateOpen || s.state == StateClosing
	s.conn.Abandon(code, reason)
	s.emit(Event{Type: EventError, Err: newError(ErrProtocol, "wsbeat: "+msgfmt.Quote(redactURL(s.connURL))+": "+cause.Error(), cause)})
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
	return s.rel.id
}

// protocolErrorf returns an error wrapping wire.ErrProtocol, as the wire
// package's own.
func protocolErrorf(what string) error {
	return msgfmt.Wrap(wire.ErrProtocol, wire.ErrProtocol.Error()+": "+what)
}
