package reliable

import (
	"context"
	"errors"
	"time"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// Errors of a Store.
var (
	// ErrUnknownSession: the store has no such session (never created,
	// expired, deleted, or lost with a restarted server).
	ErrUnknownSession = errors.New("wsbeat.reliable: unknown session")
	// ErrSessionMoved: another owner (server instance) has claimed the
	// session since; this one must stop serving it.
	ErrSessionMoved = errors.New("wsbeat.reliable: session claimed by another server")
)

// Stored is one message the server wrote and the client has not
// acknowledged.
type Stored = wire.Pending[Message]

// State is what a Store returns for a session: enough to serve it on any
// server instance.
type State struct {
	ID string
	// Acked is the client's acknowledgement of the server's messages;
	// Pending are the messages after it, in order.
	Acked   int64
	Pending []Stored
	// Delivered is the last client message the application has read and
	// the server has acknowledged.
	Delivered int64
}

// A Store keeps sessions between connections, and lets one server
// instance own each session at a time. Every method but Create and Claim
// fails with ErrSessionMoved when owner no longer owns the session, and
// with ErrUnknownSession when it is gone. A Server calls the methods of
// one session one at a time, in the order of the events they record; a
// store must keep that order. docs/reliable.md describes how a Redis or
// NATS JetStream store would implement it.
type Store interface {
	// Create records a new, empty session owned by owner, to expire ttl
	// after the last Touch.
	Create(ctx context.Context, id, owner string, ttl time.Duration) error
	// Claim makes owner the owner of session id, resets its expiry to ttl
	// from now, and returns its state; ErrUnknownSession if there is none.
	Claim(ctx context.Context, id, owner string, ttl time.Duration) (State, error)
	// Append records a message written, before it is sent.
	Append(ctx context.Context, id, owner string, m Stored) error
	// Ack records the client's acknowledgement: the messages up to seq
	// can go.
	Ack(ctx context.Context, id, owner string, seq int64) error
	// Deliver records that the client's message seq is being handed to
	// the application (Read calls it before returning the message), so
	// that no instance delivers it again.
	Deliver(ctx context.Context, id, owner string, seq int64) error
	// Touch resets the session's expiry to ttl from now.
	Touch(ctx context.Context, id, owner string, ttl time.Duration) error
	// Delete removes the session.
	Delete(ctx context.Context, id, owner string) error
}
