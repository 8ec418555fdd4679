// Package wire is the reliable protocol's core, shared by the server
// package (github.com/wsbeat/wsbeat/reliable) and the client engine: the
// frames of wsbeat.reliable.v1 (docs/reliable.md) and the sequence and
// acknowledgement bookkeeping of one direction each (Outbound, Inbound).
//
// It is pure logic: no goroutines, no clock reads, no I/O. The caller owns
// the connection, the timers and the locking. It links only errors,
// strconv and internal/msgfmt, so that the engine's WebAssembly build
// stays small (no fmt, reflect, os, net/url or net/http).
package wire

// Subprotocol is the WebSocket subprotocol both sides must agree on. A
// client that asked for it and did not get it must fail rather than talk
// the plain protocol.
const Subprotocol = "wsbeat.reliable.v1"

// MaxSeq is the largest sequence number: 2^53-1, the largest integer a JS
// number holds exactly. A side that would need a larger one fails its
// sends with ErrSeqExhausted (about 285 years at a million messages a
// second).
const MaxSeq = 1<<53 - 1

// Close codes of the protocol.
const (
	// CodeProtocolError: the peer sent a frame that is not
	// wsbeat.reliable.v1, a gap in the sequence, or an impossible ack.
	CodeProtocolError = 1002
	// CodePolicyViolation: the peer sent more unacknowledged messages or
	// bytes than the receiver accepts.
	CodePolicyViolation = 1008
)
