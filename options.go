package wsbeat

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Overflow says what Send does with a message when the queue is full.
type Overflow int

const (
	// DropOldest discards the oldest queued messages to make room. It is
	// the default.
	DropOldest Overflow = iota
	// DropNewest discards the message being sent; Send reports Dropped.
	DropNewest
	// OverflowError makes Send fail with ErrQueueFull and keeps the queue.
	OverflowError
)

// String returns the contract's name for o: "drop-oldest", "drop-newest"
// or "throw".
func (o Overflow) String() string {
	switch o {
	case DropOldest:
		return "drop-oldest"
	case DropNewest:
		return "drop-newest"
	case OverflowError:
		return "throw"
	}
	return "Overflow(" + strconv.Itoa(int(o)) + ")"
}

// URLFunc returns the URL for the next connection attempt. It is called
// before every attempt, for example to refresh a token. An error, or a ctx
// that ends first (the attempt's ConnectionTimeout), counts as a failed
// attempt.
type URLFunc func(ctx context.Context) (string, error)

// Options configure a Socket. A nil *Options means all defaults. The zero
// value of every field means its default; the Socket works on a copy with
// the defaults filled in, so an Options value can be shared.
//
// Durations, counts and the Overflow policy mirror the options of the
// browser API (docs/api.md); where the browser API gives 0 a meaning of its
// own (no heartbeat, never reconnect, no queue), the Go field takes a
// negative value for it, so that the zero value stays "default".
type Options struct {
	// Protocols are the subprotocols offered on every attempt. A Reliable
	// Socket offers Subprotocol itself and takes no others, since the
	// server must select that one: Protocols must then be empty.
	// Defaults to none.
	Protocols []string

	// Reliable makes the Socket speak wsbeat.reliable.v1
	// (docs/reliable.md): every message is numbered and held until the
	// server acknowledges it, replayed after a reconnect, and delivered to
	// the server's application exactly once and in order; the server's
	// messages likewise. It offers the subprotocol Subprotocol and fails
	// with ErrReliableRefused, without falling back, if the server does
	// not select it. The open event comes once the session is established
	// or resumed. MaxEnqueuedMessages and MaxEnqueuedBytes bound what
	// awaits acknowledgement, sent or not; a full buffer makes Send fail
	// with ErrQueueFull (Overflow must be DropOldest, its zero value, or
	// OverflowError: nothing is dropped). HeartbeatMessage,
	// HeartbeatMessageFunc, HeartbeatResponse and DeliverHeartbeats do not
	// apply: the heartbeat is the protocol's ping and pong. When the
	// server no longer knows the session, an EventSessionLost lists the
	// messages whose delivery cannot be confirmed, before a new session
	// starts. Close ends the session: it sends the protocol's bye, reports
	// what awaits acknowledgement in a drop event (the server may have
	// received some of it), and delivers nothing that arrives after.
	// Defaults to false.
	Reliable bool

	// MinReconnectionDelay is the first upper bound of the backoff window.
	// Defaults to 500ms.
	MinReconnectionDelay time.Duration
	// MaxReconnectionDelay caps the backoff window. Below
	// MinReconnectionDelay it caps every delay, the first one too (as
	// reconnecting-websocket does), rather than being an error.
	// Defaults to 10s.
	MaxReconnectionDelay time.Duration
	// ReconnectionDelayGrowFactor is how much the window grows per failed
	// attempt; at least 1. Defaults to 1.5.
	ReconnectionDelayGrowFactor float64
	// MinUptime is how long a connection must stay open before the retry
	// count resets. Defaults to 5s.
	MinUptime time.Duration
	// ConnectionTimeout abandons an attempt that is not open by then, and
	// bounds a URLFunc and a closing handshake. Defaults to 4s.
	ConnectionTimeout time.Duration
	// MaxRetries is how many failed attempts in a row are made before the
	// Socket gives up and closes. Negative: never reconnect (the browser
	// API's maxRetries: 0). Defaults to 0, meaning no limit.
	MaxRetries int

	// MaxEnqueuedMessages bounds the messages held while not open.
	// Negative: hold none. Defaults to 1000.
	MaxEnqueuedMessages int
	// MaxEnqueuedBytes bounds the bytes held while not open.
	// Negative: hold none. Defaults to 1 MiB (1048576).
	MaxEnqueuedBytes int
	// Overflow is what Send does when the queue is full.
	// Defaults to DropOldest.
	Overflow Overflow
	// MaxBufferedBytes bounds what the open connection holds sent but not
	// yet on the wire (its BufferedAmount): a Send that would pass it
	// fails with ErrBufferFull and sends nothing, so that a peer or a
	// network that stops taking data cannot make the Socket hold
	// unbounded memory. Wait for BufferedAmount to fall and send again.
	// An empty buffer takes a message of any size, and the queue flushed
	// on open is not held to it (MaxEnqueuedBytes bounds that).
	// Negative: no limit. Defaults to 16 MiB (16777216) natively; in the
	// browser to no limit, as the browser's WebSocket, which holds the
	// buffer, has always been.
	MaxBufferedBytes int
	// ReadLimit is the largest message the native transport accepts, in
	// bytes. A larger one ends the connection with an error of kind
	// ErrMessageTooBig and close code 1009, which DefaultShouldReconnect
	// does not retry. Browsers set no limit, but a sane server sends a
	// browser client messages well below this, since phones must hold
	// them; the limit keeps a hostile or broken server from making the
	// client buffer hundreds of MiB for one message. The browser's
	// WebSocket ignores it. Negative: no limit. Defaults to 16 MiB
	// (16777216).
	ReadLimit int64

	// HeartbeatInterval is the inbound silence after which a ping is sent.
	// Negative: no heartbeat. Defaults to 25s.
	HeartbeatInterval time.Duration
	// HeartbeatTimeout is how long a ping may go unanswered, with no inbound
	// message at all, before the connection is declared dead.
	// Defaults to 10s.
	HeartbeatTimeout time.Duration
	// HeartbeatMessage is the text a ping sends. Defaults to "ping".
	HeartbeatMessage string
	// HeartbeatMessageFunc, if set, is called for each ping instead of
	// using HeartbeatMessage. It may call any Socket method; the ping is
	// sent when it returns, unless a message arrived or the connection
	// ended meanwhile. A panic sends HeartbeatMessage. Defaults to nil.
	HeartbeatMessageFunc func() string
	// HeartbeatResponse is the text that answers a ping. Inbound text
	// messages equal to it are not delivered (unless DeliverHeartbeats) and
	// give the round-trip time. Defaults to "pong".
	HeartbeatResponse string
	// DeliverHeartbeats delivers messages equal to HeartbeatResponse as
	// ordinary messages too (the browser API's heartbeatResponse: null).
	// Defaults to false.
	DeliverHeartbeats bool

	// ShouldReconnect decides whether a close that the Socket did not ask
	// for is followed by a reconnect. It may call any Socket method: while
	// it runs, the Socket keeps its state, with no connection (Send
	// queues), and a Close, Reconnect or Pause it calls settles the end in
	// place of its answer. A panic counts as true.
	// Defaults to DefaultShouldReconnect.
	ShouldReconnect func(CloseInfo) bool
	// StartClosed makes New return a closed Socket that connects only when
	// Reconnect is called. Defaults to false.
	StartClosed bool

	// OnEvent receives every event, in order, never two at once. It may call
	// any Socket method. Defaults to discarding events.
	OnEvent func(Event)
	// Logf receives debug log lines, in order with the events and never two
	// at once. It never receives message contents, and URLs in it have
	// their passwords and query values redacted. It may call any Socket
	// method. Defaults to no logging.
	Logf func(format string, args ...any)

	// Transport makes connections. Defaults to the native transport on
	// github.com/coder/websocket (outside js/wasm; in js/wasm, jsbridge
	// provides the browser's).
	Transport Transport
	// Clock tells time and runs timers. Defaults to the system clock.
	Clock Clock
	// Rand returns uniform random numbers in [0, 1) for the backoff jitter.
	// Defaults to math/rand/v2.Float64.
	Rand func() float64
}

// Option defaults, as in the browser API's table.
const (
	DefaultMinReconnectionDelay        = 500 * time.Millisecond
	DefaultMaxReconnectionDelay        = 10 * time.Second
	DefaultReconnectionDelayGrowFactor = 1.5
	DefaultMinUptime                   = 5 * time.Second
	DefaultConnectionTimeout           = 4 * time.Second
	DefaultMaxEnqueuedMessages         = 1000
	DefaultMaxEnqueuedBytes            = 1 << 20
	DefaultHeartbeatInterval           = 25 * time.Second
	DefaultHeartbeatTimeout            = 10 * time.Second
	DefaultHeartbeatMessage            = "ping"
	DefaultHeartbeatResponse           = "pong"
	DefaultReadLimit                   = 16 << 20
)

func optionError(name string, value any, allowed string) error {
	return msgfmt.Wrap(ErrInvalidOption, ErrInvalidOption.Error()+": "+name+" is "+msgfmt.Value(value)+"; "+allowed)
}

// withDefaults returns a copy of o with every default filled in, or an error
// naming the first bad field.
func (o *Options) withDefaults() (Options, error) {
	var c Options
	if o != nil {
		c = *o
	}
	if c.MinReconnectionDelay < 0 {
		return c, optionError("MinReconnectionDelay", c.MinReconnectionDelay, "it must not be negative")
	}
	if c.MinReconnectionDelay == 0 {
		c.MinReconnectionDelay = DefaultMinReconnectionDelay
	}
	if c.MaxReconnectionDelay < 0 {
		return c, optionError("MaxReconnectionDelay", c.MaxReconnectionDelay, "it must not be negative")
	}
	if c.MaxReconnectionDelay == 0 {
		c.MaxReconnectionDelay = DefaultMaxReconnectionDelay
	}
	if c.ReconnectionDelayGrowFactor == 0 {
		c.ReconnectionDelayGrowFactor = DefaultReconnectionDelayGrowFactor
	}
	if math.IsNaN(c.ReconnectionDelayGrowFactor) || math.IsInf(c.ReconnectionDelayGrowFactor, 0) || c.ReconnectionDelayGrowFactor < 1 {
		return c, optionError("ReconnectionDelayGrowFactor", c.ReconnectionDelayGrowFactor, "it must be a finite number of at least 1")
	}
	if c.MinUptime < 0 {
		return c, optionError("MinUptime", c.MinUptime, "it must not be negative")
	}
	if c.MinUptime == 0 {
		c.MinUptime = DefaultMinUptime
	}
	if c.ConnectionTimeout < 0 {
		return c, optionError("ConnectionTimeout", c.ConnectionTimeout, "it must not be negative")
	}
	if c.ConnectionTimeout == 0 {
		c.ConnectionTimeout = DefaultConnectionTimeout
	}
	if c.MaxEnqueuedMessages == 0 {
		c.MaxEnqueuedMessages = DefaultMaxEnqueuedMessages
	}
	if c.MaxEnqueuedMessages < 0 {
		c.MaxEnqueuedMessages = 0
	}
	if c.MaxEnqueuedBytes == 0 {
		c.MaxEnqueuedBytes = DefaultMaxEnqueuedBytes
	}
	if c.MaxEnqueuedBytes < 0 {
		c.MaxEnqueuedBytes = 0
	}
	if c.MaxBufferedBytes == 0 {
		c.MaxBufferedBytes = defaultMaxBufferedBytes
	}
	if c.ReadLimit == 0 {
		c.ReadLimit = DefaultReadLimit
	}
	switch c.Overflow {
	case DropOldest, DropNewest, OverflowError:
	default:
		return c, optionError("Overflow", c.Overflow, `it must be DropOldest ("drop-oldest"), DropNewest ("drop-newest") or OverflowError ("throw")`)
	}
	if c.Reliable {
		switch {
		case len(c.Protocols) > 0:
			return c, optionError("Protocols", strconv.Itoa(len(c.Protocols))+" protocols", "a Reliable Socket offers "+Subprotocol+" alone, so it must be empty")
		case c.Overflow == DropNewest:
			return c, optionError("Overflow", c.Overflow, "a Reliable Socket drops nothing: a full buffer makes Send fail (OverflowError)")
		case c.MaxEnqueuedMessages == 0:
			return c, optionError("MaxEnqueuedMessages", "negative", "a Reliable Socket holds what awaits acknowledgement, so it must not be negative")
		case c.MaxEnqueuedBytes == 0:
			return c, optionError("MaxEnqueuedBytes", "negative", "a Reliable Socket holds what awaits acknowledgement, so it must not be negative")
		}
		c.Overflow = OverflowError
	}
	if c.HeartbeatInterval == 0 {
		c.HeartbeatInterval = DefaultHeartbeatInterval
	}
	if c.HeartbeatTimeout < 0 {
		return c, optionError("HeartbeatTimeout", c.HeartbeatTimeout, "it must not be negative")
	}
	if c.HeartbeatTimeout == 0 {
		c.HeartbeatTimeout = DefaultHeartbeatTimeout
	}
	if c.HeartbeatMessage == "" {
		c.HeartbeatMessage = DefaultHeartbeatMessage
	}
	if c.HeartbeatResponse == "" {
		c.HeartbeatResponse = DefaultHeartbeatResponse
	}
	if c.ShouldReconnect == nil {
		c.ShouldReconnect = DefaultShouldReconnect
	}
	if c.OnEvent == nil {
		c.OnEvent = func(Event) {}
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
	if c.Transport == nil {
		c.Transport = defaultTransport()
	}
	if c.Transport == nil {
		return c, optionError("Transport", nil, "this platform has no default transport; set one")
	}
	if c.Clock == nil {
		c.Clock = systemClock{}
	}
	if c.Rand == nil {
		c.Rand = randFloat64
	}
	return c, nil
}

// heartbeatOn reports whether the heartbeat runs.
func (o *Options) heartbeatOn() bool { return o.HeartbeatInterval > 0 }

// DefaultShouldReconnect reconnects after every close except those whose
// code says a retry would fail the same way: 1002 (protocol error), 1003
// (unsupported data), 1007 (invalid payload), 1008 (policy violation), 1009
// (message too big), 1010 (missing extension), 1015 (TLS failure) and
// 4400–4499 (application "bad request" codes by convention).
func DefaultShouldReconnect(c CloseInfo) bool {
	switch c.Code {
	case 1002, 1003, 1007, 1008, 1009, 1010, 1015:
		return false
	}
	return c.Code < 4400 || c.Code > 4499
}
