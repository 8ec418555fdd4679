package wsbeat

import "errors"

// Errors returned by Socket methods.
var (
	// ErrClosed: Send after Close.
	ErrClosed = errors.New("wsbeat: socket closed by Close")
	// ErrQueueFull: Send while not open, with a full queue and the
	// OverflowError policy.
	ErrQueueFull = errors.New("wsbeat: send queue full")
	// ErrConnectionTimeout: an attempt was not open within
	// ConnectionTimeout.
	ErrConnectionTimeout = errors.New("wsbeat: connection timeout")
	// ErrHeartbeatTimeout: a ping went unanswered for HeartbeatTimeout.
	ErrHeartbeatTimeout = errors.New("wsbeat: heartbeat timeout")
	// ErrInvalidURL is wrapped by every error for a bad URL.
	ErrInvalidURL = errors.New("wsbeat: invalid URL")
)
