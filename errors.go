package wsbeat

import "errors"

// The kinds of error. Every error the engine returns, or reports in an
// error event, is one of them (errors.Is) and of no other kind; ErrorCode
// names it with a stable string, which the browser API sets as err.code.
var (
	// ErrInvalidURL: New, NewFunc or a URLFunc gave a URL that is not an
	// absolute ws:, wss:, http: or https: URL without a fragment.
	ErrInvalidURL = errors.New("wsbeat: invalid URL")
	// ErrInvalidOption: New or NewFunc was given a bad option.
	ErrInvalidOption = errors.New("wsbeat: invalid option")
	// ErrInvalidMessage: Send was given a message the Socket cannot send:
	// a negative Size, a Size that is not the length of its string or
	// []byte Data, or Data the transport cannot send.
	ErrInvalidMessage = errors.New("wsbeat: invalid message")
	// ErrClosed: Send after Close.
	ErrClosed = errors.New("wsbeat: socket closed by Close")
	// ErrQueueFull: Send while not open, with a full queue and the
	// OverflowError policy.
	ErrQueueFull = errors.New("wsbeat: send queue full")
	// ErrBufferFull: Send while open, with MaxBufferedBytes sent but not
	// yet on the wire.
	ErrBufferFull = errors.New("wsbeat: send buffer full")
	// ErrConnectionTimeout: an attempt was not open within
	// ConnectionTimeout.
	ErrConnectionTimeout = errors.New("wsbeat: connection timeout")
	// ErrHeartbeatTimeout: a ping went unanswered for HeartbeatTimeout.
	ErrHeartbeatTimeout = errors.New("wsbeat: heartbeat timeout")
	// ErrRefused: an attempt failed before it was open: the dial or the
	// opening handshake failed, or the server refused the upgrade.
	ErrRefused = errors.New("wsbeat: connection refused")
	// ErrConnectionLost: an open connection failed without a close frame.
	ErrConnectionLost = errors.New("wsbeat: connection lost")
	// ErrMessageTooBig: the connection received a message larger than
	// ReadLimit, and was closed with 1009.
	ErrMessageTooBig = errors.New("wsbeat: message too big")
	// ErrURLFunction: the URLFunc failed or panicked.
	ErrURLFunction = errors.New("wsbeat: URL function failed")
	// ErrReliableRefused: a Reliable Socket's server did not select the
	// subprotocol wsbeat.reliable.v1. The connection ends with 1002, which
	// DefaultShouldReconnect does not retry: a server that does not speak
	// the protocol will not start to by itself.
	ErrReliableRefused = errors.New("wsbeat: server refused the reliable protocol")
	// ErrProtocol: a Reliable Socket's server broke wsbeat.reliable.v1 (an
	// undecodable frame, a gap, an impossible ack, frames out of the
	// handshake's order) or exceeded its limits. The error also wraps the
	// cause from package reliable/wire (wire.ErrProtocol or
	// wire.ErrPeerOverflow). The connection ends with 1002 or 1008.
	ErrProtocol = errors.New("wsbeat: reliable protocol error")
)

// errorCodes pairs each kind with its code.
var errorCodes = []struct {
	kind error
	code string
}{
	{ErrInvalidURL, "ERR_INVALID_URL"},
	{ErrInvalidOption, "ERR_INVALID_OPTION"},
	{ErrInvalidMessage, "ERR_INVALID_MESSAGE"},
	{ErrClosed, "ERR_CLOSED"},
	{ErrQueueFull, "ERR_QUEUE_FULL"},
	{ErrBufferFull, "ERR_BUFFER_FULL"},
	{ErrConnectionTimeout, "ERR_CONNECTION_TIMEOUT"},
	{ErrHeartbeatTimeout, "ERR_HEARTBEAT_TIMEOUT"},
	{ErrRefused, "ERR_REFUSED"},
	{ErrConnectionLost, "ERR_CONNECTION_LOST"},
	{ErrMessageTooBig, "ERR_MESSAGE_TOO_BIG"},
	{ErrURLFunction, "ERR_URL_FUNCTION"},
	{ErrReliableRefused, "ERR_RELIABLE_REFUSED"},
	{ErrProtocol, "ERR_PROTOCOL"},
}

// ErrorCode returns the stable code of err's kind, such as
// "ERR_QUEUE_FULL" for an error that is ErrQueueFull, or "" for nil or an
// error of no kind of this package. An error that carries a cause of
// another kind (a URLFunc's own error, say) has the kind it was given.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if k := outerKind(err); k != nil {
		err = k
	}
	for _, c := range errorCodes {
		if errors.Is(err, c.kind) {
			return c.code
		}
	}
	return ""
}

// outerKind returns the kind of the first kindError in err's chain, or
// nil. It walks the chain itself: errors.As would link reflection into
// wsbeat.wasm (about 75 KB).
func outerKind(err error) error {
	for err != nil {
		switch e := err.(type) {
		case *kindError:
			return e.kind
		case interface{ Unwrap() error }:
			err = e.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range e.Unwrap() {
				if k := outerKind(inner); k != nil {
					return k
				}
			}
			return nil
		default:
			return nil
		}
	}
	return nil
}

// kindError is an error of a kind with a cause, such as the transport's
// error for a dial that failed. Its text is msg alone: the cause's text,
// which may hold secrets, is what the caller chose to put in msg.
type kindError struct {
	kind  error
	msg   string
	cause error
}

// newError returns an error of kind with text msg, wrapping cause too
// (for errors.As) when it is not nil.
func newError(kind error, msg string, cause error) error {
	return &kindError{kind: kind, msg: msg, cause: cause}
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.cause == nil {
		return []error{e.kind}
	}
	return []error{e.kind, e.cause}
}
