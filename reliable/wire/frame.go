package wire

import (
	"errors"
	"strconv"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Kind is a frame's kind.
type Kind uint8

const (
	// Data carries one application message: header "<seq>:" then the
	// payload, in a text or binary frame of the message's own type.
	Data Kind = iota + 1
	// Hello is the client's first frame on every connection: "H" for a
	// new session, "H<session>:<received>" to resume one.
	Hello
	// Welcome is the server's answer to Hello: "W<session>:<received>".
	Welcome
	// Ack acknowledges every message up to Seq: "A<seq>".
	Ack
	// Ping is the heartbeat's probe, carrying an ack: "P<seq>".
	Ping
	// Pong answers a Ping, carrying the answering side's ack: "Q<seq>".
	Pong
	// Bye is the client ending its session on purpose, carrying its
	// final ack: "B<seq>". The server ends the session at once.
	Bye
)

var kindNames = [...]string{Data: "data", Hello: "hello", Welcome: "welcome", Ack: "ack", Ping: "ping", Pong: "pong", Bye: "bye"}

// String returns the kind's name as docs/reliable.md writes it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

var kindTags = [...]byte{Hello: 'H', Welcome: 'W', Ack: 'A', Ping: 'P', Pong: 'Q', Bye: 'B'}

// Frame is one decoded frame, without a data frame's payload.
//
// Seq is the data message's sequence number (Data), the cumulative
// acknowledgement (Ack, Ping, Pong, Bye), or the last sequence the sender has
// received from its peer (Hello, Welcome). Session is empty in a Hello
// that asks for a new session. Binary is the WebSocket type of a data
// frame; control frames are always text.
type Frame struct {
	Kind    Kind
	Seq     int64
	Session string
	Binary  bool
}

// ErrProtocol is wrapped by every error for a frame that is not
// wsbeat.reliable.v1 and for a sequence or ack the peer could not have
// sent. The connection should be closed with CodeProtocolError.
var ErrProtocol = errors.New("wsbeat.reliable: protocol error")

type protocolError struct{ msg string }

func (e *protocolError) Error() string        { return "wsbeat.reliable: protocol error: " + e.msg }
func (e *protocolError) Is(target error) bool { return target == ErrProtocol }

func protocolErrorf(format string, args ...any) error {
	return &protocolError{msgfmt.Sprintf(format, args...)}
}

// MaxSessionLen is the longest session id.
const MaxSessionLen = 64

// ValidSession reports whether id can be a session id: 1 to 64 of
// A-Z a-z 0-9 - _.
func ValidSession(id string) bool {
	if id == "" || len(id) > MaxSessionLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !sessionByte(id[i]) {
			return false
		}
	}
	return true
}

func sessionByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// Bytes is what frames are read from: a string (text natively) or a byte
// slice, so that neither needs a copy.
type Bytes interface{ ~string | ~[]byte }

// Decode decodes one WebSocket message of the protocol. For a data frame it
// also returns the payload, a subslice of b. Any error wraps ErrProtocol.
func Decode[T Bytes](binary bool, b T) (Frame, T, error) {
	var none T
	if len(b) == 0 {
		return Frame{}, none, protocolErrorf("empty message")
	}
	if c := b[0]; '0' <= c && c <= '9' {
		seq, n, err := dataHeader(b)
		if err != nil {
			return Frame{}, none, err
		}
		return Frame{Kind: Data, Seq: seq, Binary: binary}, b[n:], nil
	}
	if binary {
		return Frame{}, none, protocolErrorf("binary message without a sequence number")
	}
	f, err := decodeControl(b)
	return f, none, err
}

// dataHeader parses "<seq>:" at the start of b and returns the sequence
// number and the header's length.
func dataHeader[T Bytes](b T) (int64, int, error) {
	for i := 0; i < len(b) && i <= maxDigits; i++ {
		if b[i] == ':' {
			seq, err := number(b[:i])
			if err != nil {
				return 0, 0, err
			}
			if seq == 0 {
				return 0, 0, protocolErrorf("data message with sequence number 0")
			}
			return seq, i + 1, nil
		}
	}
	return 0, 0, protocolErrorf("data message without a \"<seq>:\" header")
}

// maxDigits is the length of MaxSeq in decimal.
const maxDigits = 16

// number parses a canonical decimal in [0, MaxSeq]: digits only, no
// leading zero, so that every number has exactly one encoding.
func number[T Bytes](b T) (int64, error) {
	if len(b) == 0 || len(b) > maxDigits {
		return 0, protocolErrorf("sequence number of %d digits", len(b))
	}
	if b[0] == '0' && len(b) > 1 {
		return 0, protocolErrorf("sequence number with a leading zero")
	}
	var n int64
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c < '0' || c > '9' {
			return 0, protocolErrorf("sequence number with byte %d", int(c))
		}
		n = n*10 + int64(c-'0')
	}
	if n > MaxSeq {
		return 0, protocolErrorf("sequence number %d above 2^53-1", n)
	}
	return n, nil
}

func decodeControl[T Bytes](b T) (Frame, error) {
	tag, rest := b[0], b[1:]
	switch tag {
	case 'A', 'P', 'Q', 'B':
		n, err := number(rest)
		if err != nil {
			return Frame{}, err
		}
		k := Ack
		switch tag {
		case 'P':
			k = Ping
		case 'Q':
			k = Pong
		case 'B':
			k = Bye
		}
		return Frame{Kind: k, Seq: n}, nil
	case 'H', 'W':
		k := Hello
		if tag == 'W' {
			k = Welcome
		}
		if len(rest) == 0 && k == Hello {
			return Frame{Kind: Hello}, nil
		}
		colon := -1
		for i := 0; i < len(rest) && i <= MaxSessionLen; i++ {
			if rest[i] == ':' {
				colon = i
				break
			}
		}
		if colon < 0 {
			return Frame{}, protocolErrorf("%s without \"<session>:<received>\"", k)
		}
		id := string(rest[:colon])
		if !ValidSession(id) {
			return Frame{}, protocolErrorf("%s with an invalid session id", k)
		}
		n, err := number(rest[colon+1:])
		if err != nil {
			return Frame{}, err
		}
		return Frame{Kind: k, Seq: n, Session: id}, nil
	}
	return Frame{}, protocolErrorf("unknown control frame %q", string(b[:min(len(b), 16)]))
}

// AppendDataHeader appends the header "<seq>:" of a data frame to dst. The
// payload follows it unchanged, in a frame of the message's own type.
func AppendDataHeader(dst []byte, seq int64) []byte {
	dst = strconv.AppendInt(dst, seq, 10)
	return append(dst, ':')
}

// DataHeader returns the header "<seq>:" as a string, to prefix a text
// message without a byte slice.
func DataHeader(seq int64) string { return strconv.FormatInt(seq, 10) + ":" }

// Append appends frame f to dst: for Data its header (the payload follows
// it), for the others the whole control frame, sent as a text message. f
// should be valid (a sequence in [0, MaxSeq], 1 or more for Data, a valid
// session id in Welcome and in a Hello that resumes); Decode rejects what
// an invalid f produces. An unknown Kind appends nothing.
func Append(dst []byte, f Frame) []byte {
	switch f.Kind {
	case Data:
		return AppendDataHeader(dst, f.Seq)
	case Hello, Welcome:
		dst = append(dst, kindTags[f.Kind])
		if f.Kind == Hello && f.Session == "" {
			return dst
		}
		dst = append(dst, f.Session...)
		dst = append(dst, ':')
	case Ack, Ping, Pong, Bye:
		dst = append(dst, kindTags[f.Kind])
	default:
		return dst
	}
	return strconv.AppendInt(dst, f.Seq, 10)
}

// Control returns the control frame f as a string.
func Control(f Frame) string {
	var buf [1 + MaxSessionLen + 1 + maxDigits]byte
	return string(Append(buf[:0], f))
}
