package wire

import (
	"errors"
	"time"
)

// ErrPeerOverflow is wrapped by Inbound.Accept's error when the peer has
// more messages or bytes unacknowledged than the limits allow: it ignored
// its own replay limit. The connection should be closed with
// CodePolicyViolation; nothing is lost, as the peer still holds them.
var ErrPeerOverflow = errors.New("wsbeat.reliable: peer exceeded the receive limit")

// AckPolicy says when a receiver acknowledges. A value of 0 or less means
// the default.
type AckPolicy struct {
	// Every: acknowledge at once after this many messages delivered since
	// the last ack. Defaults to DefaultAckEvery.
	Every int
	// Bytes: acknowledge at once after this many payload bytes delivered
	// since the last ack. Defaults to DefaultAckBytes.
	Bytes int
	// Delay: otherwise acknowledge this long after the first message
	// delivered since the last ack. Defaults to DefaultAckDelay.
	Delay time.Duration
}

// Defaults of AckPolicy.
const (
	DefaultAckEvery = 100
	DefaultAckBytes = 64 << 10
	DefaultAckDelay = 200 * time.Millisecond
)

// WithDefaults returns p with its zero fields set to the defaults.
func (p AckPolicy) WithDefaults() AckPolicy {
	if p.Every <= 0 {
		p.Every = DefaultAckEvery
	}
	if p.Bytes <= 0 {
		p.Bytes = DefaultAckBytes
	}
	if p.Delay <= 0 {
		p.Delay = DefaultAckDelay
	}
	return p
}

// AckAction is what the caller should do after Inbound.Deliver.
type AckAction int

const (
	// AckNone: an ack timer is already running, or nothing is due.
	AckNone AckAction = iota
	// AckLater: start a timer of AckPolicy.Delay; when it fires, send
	// TakeAck's ack.
	AckLater
	// AckNow: send TakeAck's ack now (and stop the timer).
	AckNow
)

// Inbound checks the sequence of the messages one side receives and
// decides when to acknowledge them. A message is accepted when it arrives
// in order, delivered when the application has it, and acknowledged only
// once delivered, so that an acknowledged message is never lost with the
// receiver's queue. The engine delivers as it accepts; the server accepts
// into a queue that Read empties. The zero value is ready to use with the
// default limits and policy.
type Inbound struct {
	limits Limits
	policy AckPolicy

	received  int64 // the last sequence accepted
	delivered int64 // the last sequence delivered
	acked     int64 // the last ack sent

	queuedBytes int // accepted, not yet delivered
	sinceMsgs   int // delivered since the last ack
	sinceBytes  int
}

// NewInbound returns an Inbound that enforces limits on the peer and acks
// by policy.
func NewInbound(limits Limits, policy AckPolicy) *Inbound {
	return &Inbound{limits: limits.withDefaults(), policy: policy.WithDefaults()}
}

// Accept checks the data frame seq of size payload bytes. It returns true
// for the next message in order, false for a duplicate (a replay of one
// already accepted), which the caller discards. A gap is an error wrapping
// ErrProtocol; more unacknowledged messages than the limits, one wrapping
// ErrPeerOverflow. After an error nothing is accepted.
func (in *Inbound) Accept(seq int64, size int) (bool, error) {
	if seq <= in.received {
		return false, nil
	}
	if seq != in.received+1 {
		return false, protocolErrorf("message %d after %d", seq, in.received)
	}
	l := in.limits.withDefaults()
	if seq-in.acked > int64(l.Messages) || in.queuedBytes+in.sinceBytes+size > l.Bytes {
		return false, &overflowError{}
	}
	in.received = seq
	in.queuedBytes += size
	return true, nil
}

type overflowError struct{}

func (*overflowError) Error() string        { return ErrPeerOverflow.Error() }
func (*overflowError) Is(target error) bool { return target == ErrPeerOverflow }
func (*overflowError) Unwrap() error        { return nil }

// Deliver records that the accepted message seq of size bytes has reached
// the application (messages are delivered in order) and says whether to
// acknowledge. A seq not accepted yet or already delivered is ignored.
func (in *Inbound) Deliver(seq int64, size int) AckAction {
	if seq != in.delivered+1 || seq > in.received {
		return AckNone
	}
	in.delivered = seq
	in.queuedBytes -= size
	in.sinceMsgs++
	in.sinceBytes += size
	p := in.policy.WithDefaults()
	switch {
	case in.sinceMsgs >= p.Every || in.sinceBytes >= p.Bytes:
		return AckNow
	case in.sinceMsgs == 1:
		return AckLater
	}
	return AckNone
}

// TakeAck returns the cumulative ack to send and records it as sent; false
// when everything delivered is already acknowledged. Ping and Pong frames
// carry it too: call TakeAck for them and send its value (or Acked when it
// returns false).
func (in *Inbound) TakeAck() (int64, bool) {
	if in.delivered == in.acked {
		return in.acked, false
	}
	in.acked = in.delivered
	in.sinceMsgs, in.sinceBytes = 0, 0
	return in.acked, true
}

// Received is the last sequence accepted.
func (in *Inbound) Received() int64 { return in.received }

// Delivered is the last sequence delivered.
func (in *Inbound) Delivered() int64 { return in.delivered }

// Acked is the last ack sent.
func (in *Inbound) Acked() int64 { return in.acked }

// Reconnected prepares for a new connection of the same session: the
// messages accepted but not delivered stay queued; the resume point to
// send in Hello or Welcome is what is delivered, returned here and counted
// as acknowledged. The peer replays from there; Accept discards the
// replays of what is queued.
func (in *Inbound) Reconnected() int64 {
	in.TakeAck()
	return in.acked
}

// Restore sets in to a stored state: every message up to delivered was
// delivered and acknowledged, nothing is queued.
func (in *Inbound) Restore(delivered int64) {
	*in = Inbound{limits: in.limits, policy: in.policy, received: delivered, delivered: delivered, acked: delivered}
}
