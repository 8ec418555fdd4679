package wsbeat

import "time"

// Transport makes connection attempts. The engine defines it so that it can
// run on the browser's WebSocket (package jsbridge), on
// github.com/coder/websocket natively, and on fakes in tests.
type Transport interface {
	// Dial starts one attempt to url offering protocols and returns at
	// once. Its outcome arrives later on ev: Opened, then Received any
	// number of times, then exactly one Closed (Failed may come before
	// Closed). Dial must not call ev before it returns. An error from Dial
	// is a failed attempt with no Conn.
	Dial(url string, protocols []string, ev ConnEvents) (Conn, error)
}

// ConnEvents receives what happens to one attempt. Events from an attempt
// the engine has given up on are ignored, so a transport need not worry
// about reporting late.
type ConnEvents interface {
	// Opened reports the open connection and what the server chose.
	Opened(protocol, extensions string)
	// Received reports one inbound message. A transport that delivers
	// application messages by itself (the browser's fast path) calls it
	// only for messages equal to the heartbeat response (with Reliable:
	// for control frames), and reports the others through
	// Conn.LastReceived (with Reliable: ReceivedData).
	Received(m Message)
	// ReceivedData is for a transport that parses a Reliable Socket's data
	// frames itself and delivers their payload to the application without
	// the engine (the browser's): it reports data frame seq with size
	// bytes of payload after its header, and returns whether to deliver
	// the payload now. False is a duplicate (a replay of a message already
	// delivered), which the transport discards, or a frame that broke the
	// protocol, after which the engine has ended the connection. The
	// engine counts the message delivered when it returns true, so the
	// transport must deliver it before anything else happens. Every other
	// frame (control frames: an ASCII capital letter first) goes to
	// Received as a Go string. A transport that reports everything through
	// Received never calls it.
	ReceivedData(seq int64, size int) bool
	// Failed reports an error; Closed follows.
	Failed(err error)
	// Closed reports the end of the attempt or connection.
	Closed(code int, reason string, wasClean bool)
}

// Conn is one attempt or connection.
type Conn interface {
	// Send sends m on the open connection without blocking.
	Send(m Message) error
	// Close starts the closing handshake; Closed follows.
	Close(code int, reason string)
	// Abandon closes with code and reason without waiting and detaches
	// every handler: no event follows.
	Abandon(code int, reason string)
	// LastReceived is when the last inbound message of any kind arrived,
	// or the zero time if the transport leaves that to Received.
	LastReceived() time.Time
	// BufferedAmount is how many bytes sent are not yet on the wire.
	BufferedAmount() int
}

// Message is one application message. Data is what the transport sends and
// receives: natively a string (text) or []byte (binary); in the browser the
// page's own JS value, which Go never copies. Size is its length in bytes,
// for the queue's limits.
type Message struct {
	Binary bool
	Data   any
	Size   int
}

// Text returns a text message.
func Text(s string) Message { return Message{Data: s, Size: len(s)} }

// Binary returns a binary message.
func Binary(b []byte) Message { return Message{Binary: true, Data: b, Size: len(b)} }

// Text returns m's text, if m is a text message held as a Go string.
func (m Message) Text() (string, bool) {
	s, ok := m.Data.(string)
	return s, ok && !m.Binary
}
