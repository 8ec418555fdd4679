package wire

import "errors"

// Errors of Outbound.Push. Neither loses anything: the message was not
// taken, and everything taken before is still held.
var (
	// ErrBufferFull: the messages sent and not yet acknowledged already
	// reach the count or byte limit. Room comes back with the peer's
	// acknowledgements.
	ErrBufferFull = errors.New("wsbeat.reliable: replay buffer full")
	// ErrTooLarge: the message alone is larger than the byte limit, so it
	// could never be held for replay.
	ErrTooLarge = errors.New("wsbeat.reliable: message larger than the replay buffer")
	// ErrSeqExhausted: the session has used every sequence number up to
	// MaxSeq; a new session is needed.
	ErrSeqExhausted = errors.New("wsbeat.reliable: sequence numbers exhausted")
)

// Limits bound what one side holds for one direction: messages sent and
// not yet acknowledged (Outbound), or received and not yet acknowledged
// (Inbound). A value of 0 or less means the default.
type Limits struct {
	// Messages defaults to DefaultMessages.
	Messages int
	// Bytes counts payload bytes, without headers. Defaults to
	// DefaultBytes.
	Bytes int
}

// Default limits: the same as the engine's send queue.
const (
	DefaultMessages = 1000
	DefaultBytes    = 1 << 20
)

func (l Limits) withDefaults() Limits {
	if l.Messages <= 0 {
		l.Messages = DefaultMessages
	}
	if l.Bytes <= 0 {
		l.Bytes = DefaultBytes
	}
	return l
}

// Pending is one message sent and not yet acknowledged.
type Pending[M any] struct {
	Seq  int64
	Msg  M
	Size int
}

// Outbound numbers the messages one side sends and holds each until the
// peer acknowledges it, so that it can be replayed after a reconnect. M is
// the caller's message type (the engine's Message, the server's payload).
// The zero value is ready to use with the default limits.
type Outbound[M any] struct {
	limits Limits
	buf    []Pending[M] // buf[head:] are unacknowledged, in sequence order
	head   int
	bytes  int
	last   int64 // the last sequence assigned
	acked  int64 // the peer's cumulative acknowledgement
}

// NewOutbound returns an Outbound bounded by limits.
func NewOutbound[M any](limits Limits) *Outbound[M] {
	return &Outbound[M]{limits: limits.withDefaults()}
}

// Push assigns m the next sequence number and holds it until acknowledged.
// It fails, taking nothing, with ErrTooLarge, ErrBufferFull or
// ErrSeqExhausted.
func (o *Outbound[M]) Push(m M, size int) (int64, error) {
	l := o.limits.withDefaults()
	switch {
	case size > l.Bytes:
		return 0, ErrTooLarge
	case o.Len()+1 > l.Messages || o.bytes+size > l.Bytes:
		return 0, ErrBufferFull
	case o.last >= MaxSeq:
		return 0, ErrSeqExhausted
	}
	if o.head > 0 && o.head == len(o.buf) {
		o.buf, o.head = o.buf[:0], 0
	}
	o.last++
	o.buf = append(o.buf, Pending[M]{Seq: o.last, Msg: m, Size: size})
	o.bytes += size
	return o.last, nil
}

// Ack releases every message up to seq, the peer's cumulative
// acknowledgement, and returns how many it released. An ack at or below
// an earlier one releases nothing. An ack above the last sequence sent is
// an error wrapping ErrProtocol.
func (o *Outbound[M]) Ack(seq int64) (int, error) {
	if seq > o.last {
		return 0, protocolErrorf("ack of %d when the last message sent is %d", seq, o.last)
	}
	if seq <= o.acked {
		return 0, nil
	}
	n := int(seq - o.acked)
	var zero Pending[M]
	for i := o.head; i < o.head+n; i++ {
		o.bytes -= o.buf[i].Size
		o.buf[i] = zero // let the payload go
	}
	o.head += n
	o.acked = seq
	if o.head == len(o.buf) {
		o.buf, o.head = o.buf[:0], 0
	} else if o.head >= 64 && o.head >= len(o.buf)/2 {
		k := copy(o.buf, o.buf[o.head:])
		clear(o.buf[k:])
		o.buf, o.head = o.buf[:k], 0
	}
	return n, nil
}

// Resume applies the peer's resume point (the sequence it says it has
// received, from a Hello or Welcome) and returns what must be replayed, in
// order: every message after it. The slice is valid until the next Push,
// Ack, Resume or Reset. A resume point behind an earlier acknowledgement
// means the peer forgot messages it had confirmed: an error wrapping
// ErrProtocol.
func (o *Outbound[M]) Resume(received int64) ([]Pending[M], error) {
	if received < o.acked {
		return nil, protocolErrorf("resume at %d after %d was acknowledged", received, o.acked)
	}
	if _, err := o.Ack(received); err != nil {
		return nil, err
	}
	return o.Unacked(), nil
}

// Unacked returns the messages not yet acknowledged, in order. The slice
// is valid until the next Push, Ack, Resume or Reset.
func (o *Outbound[M]) Unacked() []Pending[M] { return o.buf[o.head:] }

// Reset empties o for a new session, numbering from 1 again, and returns
// the messages whose delivery can no longer be confirmed, in order. The
// caller owns the returned slice.
func (o *Outbound[M]) Reset() []Pending[M] {
	lost := append([]Pending[M](nil), o.buf[o.head:]...)
	*o = Outbound[M]{limits: o.limits}
	return lost
}

// Restore sets o to a stored state: acked is the peer's acknowledgement
// and pending the unacknowledged messages, numbered acked+1, acked+2, ...
// It does not check the limits: what was held before is held again.
func (o *Outbound[M]) Restore(acked int64, pending []Pending[M]) {
	*o = Outbound[M]{limits: o.limits, acked: acked, last: acked}
	for _, p := range pending {
		o.last++
		p.Seq = o.last
		o.buf = append(o.buf, p)
		o.bytes += p.Size
	}
}

// Len is how many messages await acknowledgement.
func (o *Outbound[M]) Len() int { return len(o.buf) - o.head }

// Bytes is how many payload bytes await acknowledgement.
func (o *Outbound[M]) Bytes() int { return o.bytes }

// Last is the last sequence number assigned, 0 before the first message.
func (o *Outbound[M]) Last() int64 { return o.last }

// Acked is the peer's cumulative acknowledgement.
func (o *Outbound[M]) Acked() int64 { return o.acked }

// Full reports whether Push would fail with ErrBufferFull for a message
// of size bytes: the moment for a sender to ask for an ack with a Ping.
func (o *Outbound[M]) Full(size int) bool {
	l := o.limits.withDefaults()
	return o.Len()+1 > l.Messages || o.bytes+size > l.Bytes
}
