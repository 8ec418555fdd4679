package wsbeat

import (
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

func (s *Socket) dropQueue() {
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
