//go:build !js

// Package hostile is a WebSocket server that breaks the protocol on
// purpose, for tests of what a client does when a server misbehaves.
//
// It listens on raw TCP on 127.0.0.1, reads the HTTP upgrade itself and
// writes frames byte by byte, because a real WebSocket library refuses to
// produce the broken frames and handshakes that the tests need. The URL path
// picks the misbehaviour (see the Path constants); PathEcho is a correct
// echo, so a test can first prove that the framing here is right and the
// failures come from the one thing each path breaks.
//
// Every connection is recorded (path, times, and the close code that the
// client sent back, if any), so a test can count a client's attempts from
// the server's side and see what the browser told the server when it gave
// up, which is often not what it told the page.
package hostile

import (
	"bufio"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Paths, one per behaviour. Any other path is answered with 404.
const (
	// PathEcho is a correct echo server: text and binary messages come
	// back unchanged, the text message "ping" is answered with "pong", and
	// a close frame is answered with the same code.
	PathEcho = "/echo"
	// PathInvalidUTF8 sends a text message that is not valid UTF-8.
	PathInvalidUTF8 = "/invalid-utf8"
	// PathMasked sends a masked text frame, which only clients may send.
	PathMasked = "/masked"
	// PathReservedBits sends a text frame with RSV1 set and no extension
	// negotiated.
	PathReservedBits = "/reserved-bits"
	// PathUnknownOpcode sends a frame with the reserved opcode 0x3.
	PathUnknownOpcode = "/unknown-opcode"
	// PathCloseCode999 sends a close frame with the invalid code 999.
	PathCloseCode999 = "/close-999"
	// PathCloseOneByte sends a close frame whose payload is one byte,
	// which is too short for a code.
	PathCloseOneByte = "/close-one-byte"
	// PathFlap completes the handshake and closes the TCP connection at
	// once, without a close frame: a server that accepts and crashes.
	PathFlap = "/flap"
	// PathHang reads the upgrade request and never answers it.
	PathHang = "/hang"
	// PathSubprotocol answers with Sec-WebSocket-Protocol "bogus.v9",
	// which no client offers.
	PathSubprotocol = "/subprotocol"
	// PathForbidden refuses the upgrade with 403 Forbidden.
	PathForbidden = "/403"
	// PathBadGateway refuses the upgrade with 502 Bad Gateway.
	PathBadGateway = "/502"
	// PathSink accepts, reads every frame and never writes one: a server
	// that is alive but says nothing, not even a pong.
	PathSink = "/sink"
)

// BogusProtocol is the subprotocol PathSubprotocol answers with.
const BogusProtocol = "bogus.v9"

// connLife bounds how long one connection may live, so that a client that
// never closes cannot keep a goroutine past its test.
const connLife = 2 * time.Minute

// websocketGUID is RFC 6455's key suffix for Sec-WebSocket-Accept.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// Opcodes of RFC 6455.
const (
	opText   = 0x1
	opBinary = 0x2
	opClose  = 0x8
	opPing   = 0x9
	opPong   = 0xA
)

// Record is one TCP connection the server accepted.
type Record struct {
	Path     string    // request path, "" when no request was read
	Accepted time.Time // when the TCP connection was accepted
	Ended    time.Time // when the server closed it; zero while open
	// ClientClose is the code of the close frame the client sent: 1005
	// for a close frame without a code, 0 when none arrived.
	ClientClose int
}

// Server is the hostile server. Its methods are safe for concurrent use.
type Server struct {
	ln net.Listener

	mu      sync.Mutex
	records []*Record
	conns   map[net.Conn]struct{}
	closed  bool
	wg      sync.WaitGroup
}

// Start starts a Server on 127.0.0.1 on a free port and closes it in the
// test's Cleanup.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		tb.Fatalf("hostile: %v", err)
	}
	tb.Cleanup(s.Close)
	return s
}

// Listen starts a Server on addr, which should be a loopback address.
func Listen(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("failed to listen on %s: %w", addr, err)
	}
	s := &Server{ln: ln, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL returns the ws: URL of path on this server.
func (s *Server) URL(path string) string { return "ws://" + s.Addr() + path }

// Records returns a copy of the records of connections whose request path
// was path, in the order they were accepted.
func (s *Server) Records(path string) []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Record
	for _, r := range s.records {
		if r.Path == path {
			out = append(out, *r)
		}
	}
	return out
}

// Count returns how many connections asked for path.
func (s *Server) Count(path string) int { return len(s.Records(path)) }

// Close stops accepting, closes every open connection and waits for their
// goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		rec := &Record{Accepted: time.Now()}
		s.records = append(s.records, rec)
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serve(c, rec)
			c.Close()
			s.mu.Lock()
			delete(s.conns, c)
			rec.Ended = time.Now()
			s.mu.Unlock()
		}()
	}
}

// serve handles one connection: the handshake, then the behaviour of the
// requested path.
func (s *Server) serve(c net.Conn, rec *Record) {
	c.SetDeadline(time.Now().Add(connLife))
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	s.mu.Lock()
	rec.Path = req.URL.Path
	s.mu.Unlock()

	switch req.URL.Path {
	case PathForbidden:
		writeStatus(c, http.StatusForbidden)
		return
	case PathBadGateway:
		writeStatus(c, http.StatusBadGateway)
		return
	case PathHang:
		// Wait for the client to give up; it sends nothing more, so any
		// read result means it went away.
		io.Copy(io.Discard, br)
		return
	case PathEcho, PathInvalidUTF8, PathMasked, PathReservedBits, PathUnknownOpcode,
		PathCloseCode999, PathCloseOneByte, PathFlap, PathSubprotocol, PathSink:
	default:
		writeStatus(c, http.StatusNotFound)
		return
	}

	key := req.Header.Get("Sec-WebSocket-Key")
	if !strings.EqualFold(req.Header.Get("Upgrade"), "websocket") || key == "" {
		writeStatus(c, http.StatusBadRequest)
		return
	}
	protocol := ""
	if req.URL.Path == PathSubprotocol {
		protocol = BogusProtocol
	}
	if err := writeUpgrade(c, key, protocol); err != nil {
		return
	}

	var bad []byte
	switch req.URL.Path {
	case PathFlap:
		return // the deferred Close ends it without a close frame
	case PathEcho:
		s.echo(c, br, rec)
		return
	case PathSink, PathSubprotocol:
	case PathInvalidUTF8:
		bad = frame(true, 0, opText, nil, []byte{'o', 'k', 0xff, 0xfe, 0xfd})
	case PathMasked:
		bad = frame(true, 0, opText, []byte{1, 2, 3, 4}, []byte("masked by the server"))
	case PathReservedBits:
		bad = frame(true, 0x4, opText, nil, []byte("rsv1 set"))
	case PathUnknownOpcode:
		bad = frame(true, 0, 0x3, nil, []byte("opcode 3"))
	case PathCloseCode999:
		bad = frame(true, 0, opClose, nil, binary.BigEndian.AppendUint16(nil, 999))
	case PathCloseOneByte:
		bad = frame(true, 0, opClose, nil, []byte{0x03})
	}
	if bad != nil {
		if _, err := c.Write(bad); err != nil {
			return
		}
	}
	s.drain(c, br, rec)
}

// drain reads the client's frames until its close frame or EOF, recording
// the close code, and answers nothing.
func (s *Server) drain(c net.Conn, br *bufio.Reader, rec *Record) {
	for {
		op, payload, err := readFrame(br)
		if err != nil {
			return
		}
		if op == opClose {
			s.recordClose(rec, payload)
			return
		}
	}
}

// echo is the correct server of PathEcho.
func (s *Server) echo(c net.Conn, br *bufio.Reader, rec *Record) {
	for {
		op, payload, err := readFrame(br)
		if err != nil {
			return
		}
		var out []byte
		switch op {
		case opText:
			if string(payload) == "ping" {
				payload = []byte("pong")
			}
			out = frame(true, 0, opText, nil, payload)
		case opBinary:
			out = frame(true, 0, opBinary, nil, payload)
		case opPing:
			out = frame(true, 0, opPong, nil, payload)
		case opClose:
			s.recordClose(rec, payload)
			if len(payload) > 2 {
				payload = payload[:2]
			}
			c.Write(frame(true, 0, opClose, nil, payload))
			return
		default:
			continue
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

func (s *Server) recordClose(rec *Record, payload []byte) {
	code := 1005
	if len(payload) >= 2 {
		code = int(binary.BigEndian.Uint16(payload))
	}
	s.mu.Lock()
	rec.ClientClose = code
	s.mu.Unlock()
}

// writeStatus refuses a request with status and closes the connection.
func writeStatus(w io.Writer, status int) {
	body := http.StatusText(status) + "\n"
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s",
		status, http.StatusText(status), len(body), body)
}

// writeUpgrade writes the 101 answer for key, with protocol when it is
// not empty.
func writeUpgrade(w io.Writer, key, protocol string) error {
	sum := sha1.Sum([]byte(key + websocketGUID))
	var b strings.Builder
	b.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n")
	b.WriteString("Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n")
	if protocol != "" {
		b.WriteString("Sec-WebSocket-Protocol: " + protocol + "\r\n")
	}
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// frame encodes one frame. rsv holds RSV1..RSV3 as the bits 0x4, 0x2,
// 0x1; a non-nil mask (4 bytes) masks the payload.
func frame(fin bool, rsv, opcode byte, mask []byte, payload []byte) []byte {
	b0 := rsv<<4 | opcode&0xF
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	var m byte
	if mask != nil {
		m = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n <= 0xFFFF:
		out = append(out, m|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if mask == nil {
		return append(out, payload...)
	}
	out = append(out, mask[:4]...)
	for i, c := range payload {
		out = append(out, c^mask[i%4])
	}
	return out
}

// maxFrame bounds a client frame the server reads.
const maxFrame = 16 << 20

var errFrameTooBig = errors.New("hostile: client frame too big")

// readFrame reads one client frame and returns its opcode and unmasked
// payload. Fragments are returned as they come; the tests send none.
func readFrame(r *bufio.Reader) (byte, []byte, error) {
	var h [2]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	op := h[0] & 0xF
	n := uint64(h[1] & 0x7F)
	switch n {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, nil, err
		}
		n = binary.BigEndian.Uint64(b[:])
	}
	if n > maxFrame {
		return 0, nil, errFrameTooBig
	}
	var mask [4]byte
	masked := h[1]&0x80 != 0
	if masked {
		if _, err := io.ReadFull(r, mask[:]); err != nil {
			return 0, nil, err
		}
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		return 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return op, payload, nil
}
