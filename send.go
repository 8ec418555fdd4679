package wsbeat

import (
	"errors"
	"strconv"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// SendResult says what Send did with a message. Its zero value is no
// result: Send returns it only with an error, having done nothing.
type SendResult int

const (
	// Sent: handed to the open connection.
	Sent SendResult = iota + 1
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

// SendText sends a text message; see Send.
func (s *Socket) SendText(text string) (SendResult, error) { return s.Send(Text(text)) }

// SendBinary sends a binary message; see Send. b must not be changed
// afterwards while it may still be queued.
func (s *Socket) SendBinary(b []byte) (SendResult, error) { return s.Send(Binary(b)) }

// Send hands m to the open connection, or queues it for the next one. A
// full queue drops the oldest messages (reported in a drop event), drops m
// (Dropped, also reported), or fails with ErrQueueFull, as Overflow says.
// While open, a message that would take the connection's buffer past
// MaxBufferedBytes fails with ErrBufferFull. After Close it fails with
// ErrClosed; a message with a bad Size or Data fails with
// ErrInvalidMessage. A failed Send changes nothing.
//
// Queued messages go out right after the open event's handlers return, so
// that what a handler sends goes first. A message that another goroutine
// sends while those handlers run therefore goes out ahead of the queued
// ones too: where that order matters, send from the event handler, or
// from one goroutine that waits for the open event.
//
// With Options.Reliable, m is numbered and held until the server
// acknowledges it: Sent when it went to the open connection, Queued when
// it waits for the handshake of the next one, where it is replayed, in
// order, before the open event. A full buffer (MaxEnqueuedMessages,
// MaxEnqueuedBytes, counting what awaits acknowledgement) fails with
// ErrQueueFull and drops nothing.
func (s *Socket) Send(m Message) (SendResult, error) {
	s.mu.Lock()
	defer s.unlockAndDeliver()
	if s.userClosed {
		return 0, ErrClosed
	}
	if err := s.checkMessage(m); err != nil {
		return 0, err
	}
	if s.rel != nil {
		return s.sendReliable(m)
	}
	if s.state == StateOpen && s.conn != nil {
		if err := s.checkBuffer(m); err != nil {
			return 0, err
		}
		err := s.conn.Send(m)
		if err == nil {
			return Sent, nil
		}
		if errors.Is(err, ErrInvalidMessage) {
			return 0, err
		}
		// The connection failed under us; its Closed follows. Keep m.
	}
	return s.enqueue(m)
}

// checkMessage fails for a message whose Size the queue's limits could not
// trust, or whose Data the transport cannot send.
func (s *Socket) checkMessage(m Message) error {
	n := -1
	switch d := m.Data.(type) {
	case string:
		n = len(d)
	case []byte:
		n = len(d)
	}
	switch {
	case m.Size < 0:
		return invalidMessage("Size is " + strconv.Itoa(m.Size) + "; it must not be negative")
	case n >= 0 && m.Size != n:
		return invalidMessage("Size is " + strconv.Itoa(m.Size) + "; it must be the length of Data, " + strconv.Itoa(n))
	}
	if c, ok := s.opts.Transport.(messageChecker); ok {
		return c.checkMessage(m)
	}
	return nil
}

// messageChecker is a Transport that knows which messages it can send, so
// that one it cannot is refused by Send rather than queued.
type messageChecker interface {
	checkMessage(m Message) error
}

func invalidMessage(why string) error {
	return msgfmt.Wrap(ErrInvalidMessage, ErrInvalidMessage.Error()+": "+why)
}

// checkBuffer fails if m would take the open connection's buffer past
// MaxBufferedBytes. An empty buffer takes any message, so that one larger
// than the limit can still be sent.
func (s *Socket) checkBuffer(m Message) error {
	limit := s.opts.MaxBufferedBytes
	if limit <= 0 {
		return nil
	}
	b := s.conn.BufferedAmount()
	if b == 0 || b+m.Size <= limit {
		return nil
	}
	return msgfmt.Wrap(ErrBufferFull, ErrBufferFull.Error()+": "+strconv.Itoa(b)+" bytes buffered, "+strconv.Itoa(m.Size)+
		" more would pass MaxBufferedBytes ("+strconv.Itoa(limit)+")")
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

// dropQueue discards the queue, or ends a Reliable Socket's session (with
// a bye on an open connection), and reports what was discarded.
func (s *Socket) dropQueue() {
	if s.rel != nil {
		bye, lost := s.rel.forget()
		if s.state == StateOpen && s.conn != nil {
			s.sendControl(bye) // Close: end the session on the server too
		}
		if len(lost) > 0 {
			s.emit(Event{Type: EventDrop, Dropped: lost, DropReason: DropClosed})
		}
		return
	}
	if s.queue.len() == 0 {
		return
	}
	s.emit(Event{Type: EventDrop, Dropped: s.queue.take(), DropReason: DropClosed})
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
