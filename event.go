package wsbeat

import (
	"strconv"
	"time"
)

// EventType names an event of the browser API's table.
type EventType int

// The events, in the browser API's names.
const (
	EventOpen EventType = iota + 1
	EventMessage
	EventClose
	EventError
	EventReconnecting
	EventHeartbeat
	EventDrop
	EventStateChange
	// EventSessionLost: a Reliable Socket's server no longer knows its
	// session (expired, server restarted, closed by the server). It comes
	// before the open event of the connection that starts a new session.
	EventSessionLost
)

var eventNames = [...]string{"", "open", "message", "close", "error", "reconnecting", "heartbeat", "drop", "statechange", "sessionlost"}

// String returns the browser API's event name, such as "open".
func (t EventType) String() string {
	if t > 0 && int(t) < len(eventNames) {
		return eventNames[t]
	}
	return "EventType(" + strconv.Itoa(int(t)) + ")"
}

// CloseInfo describes how a connection or attempt ended.
type CloseInfo struct {
	Code     int
	Reason   string
	WasClean bool
}

// Reasons given in drop events.
const (
	DropOverflow = "overflow" // the queue was full
	DropClosed   = "closed"   // Close, or the Socket gave up
)

// Event is one thing that happened to a Socket. Type says which fields are
// set.
type Event struct {
	Type EventType

	// RetryCount is, for open, the retry count before it opened.
	RetryCount int
	// Message is, for message, the application message.
	Message Message
	// Close is, for close, how the connection ended; WillReconnect says
	// whether a retry follows.
	Close         CloseInfo
	WillReconnect bool
	// Err is, for error, what failed: an error of one of the kinds of
	// errors.go (errors.Is; ErrorCode names it).
	Err error
	// Attempt and Delay are, for reconnecting, the retry's number (1 for
	// the first since the last stable open) and its delay.
	Attempt int
	Delay   time.Duration
	// RTT is, for heartbeat, the round-trip time of the answered ping.
	RTT time.Duration
	// Dropped and DropReason are, for drop, the discarded messages and why.
	Dropped    []Message
	DropReason string
	// State and Previous are, for statechange, the new and old state.
	State    State
	Previous State
	// Unconfirmed and Session are, for sessionlost, the messages sent or
	// queued in the lost session that the server never acknowledged, in
	// order, and the lost session's id. The Socket has let go of them:
	// the server may or may not have received them, and sending them again
	// (from the handler, before the open event) numbers them in the new
	// session. The server's messages of the lost session that never
	// arrived are gone with it, and cannot be counted.
	Unconfirmed []Message
	Session     string
}

// State is where a Socket is in its life.
type State int

// The states of the browser API.
const (
	// StateConnecting: an attempt is in flight.
	StateConnecting State = iota
	// StateOpen: a connection is open.
	StateOpen
	// StateReconnecting: waiting for the next attempt.
	StateReconnecting
	// StateClosing: Close was called and the closing handshake runs.
	StateClosing
	// StateClosed: the Socket will not connect by itself.
	StateClosed
)

var stateNames = [...]string{"connecting", "open", "reconnecting", "closing", "closed"}

// String returns the browser API's name of s, such as "reconnecting".
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// ReadyState values, as WebSocket's.
const (
	Connecting = 0
	Open       = 1
	Closing    = 2
	Closed     = 3
)

// ReadyState maps s to WebSocket's readyState: a Socket waiting between
// attempts is still CONNECTING, since it will connect by itself.
func (s State) ReadyState() int {
	switch s {
	case StateOpen:
		return Open
	case StateClosing:
		return Closing
	case StateClosed:
		return Closed
	}
	return Connecting
}
