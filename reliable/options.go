package reliable

import (
	"time"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// Options configure a Server. A nil *Options means all defaults; the zero
// value of every field means its default.
type Options struct {
	// TTL is how long a session outlives its last connection. A client
	// that comes back later gets a new session. Defaults to 2 minutes.
	TTL time.Duration
	// Limits bound, per session, the messages written and not yet
	// acknowledged by the client (Write waits for room beyond them) and
	// the messages the client may have unacknowledged (a client that
	// sends more is closed with 1008). Defaults to 1000 messages and
	// 1 MiB, as the client's.
	Limits wire.Limits
	// Ack says when the server acknowledges what Read has returned.
	// Defaults to every 100 messages or 64 KiB, or 200ms after the first.
	Ack wire.AckPolicy
	// Store keeps sessions between connections. Defaults to a
	// NewMemoryStore.
	Store Store
	// MaxSessions caps the sessions this Server serves at once: a hello
	// that would start (or take over) one more is refused, before the
	// welcome, by closing the connection with 1013 (try again later), and
	// the client keeps its messages and retries. A session counts from its
	// first connection until it ends (TTL, close, bye), so a client that
	// comes back within the TTL always finds room for its own. Negative
	// means no cap. Defaults to 10000.
	MaxSessions int
	// HelloTimeout bounds the wait for the client's hello after the
	// WebSocket handshake. Defaults to 10s.
	HelloTimeout time.Duration
	// IdleTimeout closes a connection on which nothing has arrived for
	// that long: a half-open connection the client will not come back on,
	// whose session should start its TTL. A live client sends at least a
	// ping every heartbeat interval (25s by default). Defaults to 60s.
	IdleTimeout time.Duration
	// WriteTimeout bounds one write on a connection; a connection that
	// takes longer is closed, and its session waits for the next one.
	// Defaults to 10s.
	WriteTimeout time.Duration
	// AcceptOptions are passed to websocket.Accept, with Subprotocols
	// replaced by wsbeat.reliable.v1. Defaults to nil.
	AcceptOptions *websocket.AcceptOptions
	// Logf receives debug log lines, never message contents. Defaults to
	// no logging.
	Logf func(format string, args ...any)
}

// Option defaults.
const (
	DefaultTTL          = 2 * time.Minute
	DefaultHelloTimeout = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultIdleTimeout  = 60 * time.Second
	DefaultMaxSessions  = 10000
)

func (o *Options) withDefaults() Options {
	var c Options
	if o != nil {
		c = *o
	}
	if c.TTL <= 0 {
		c.TTL = DefaultTTL
	}
	if c.Limits.Messages <= 0 {
		c.Limits.Messages = wire.DefaultMessages
	}
	if c.Limits.Bytes <= 0 {
		c.Limits.Bytes = wire.DefaultBytes
	}
	c.Ack = c.Ack.WithDefaults()
	if c.Store == nil {
		c.Store = NewMemoryStore()
	}
	if c.MaxSessions == 0 {
		c.MaxSessions = DefaultMaxSessions
	}
	if c.HelloTimeout <= 0 {
		c.HelloTimeout = DefaultHelloTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	return c
}
