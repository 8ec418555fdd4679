//go:build !js

package hostile

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

func assert(t *testing.T, ok bool, msg string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(msg, args...)
	}
}

// TestEcho proves the framing and handshake are right: a real client
// library talks to PathEcho without complaint.
func TestEcho(t *testing.T) {
	s := Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, s.URL(PathEcho), nil)
	assert(t, err == nil, "dial: %v", err)
	c.SetReadLimit(-1)
	for _, msg := range []string{"hello", "ping", strings.Repeat("x", 70000)} {
		assert(t, c.Write(ctx, websocket.MessageText, []byte(msg)) == nil, "write")
		typ, got, err := c.Read(ctx)
		assert(t, err == nil && typ == websocket.MessageText, "read: %v %v", typ, err)
		want := msg
		if msg == "ping" {
			want = "pong"
		}
		assert(t, string(got) == want, "echo of %d bytes: got %d bytes", len(msg), len(got))
	}
	assert(t, c.Close(websocket.StatusNormalClosure, "bye") == nil, "close")
	deadline := time.Now().Add(5 * time.Second)
	for s.Records(PathEcho)[0].ClientClose == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	assert(t, s.Records(PathEcho)[0].ClientClose == 1000, "client close recorded: %+v", s.Records(PathEcho))
}

// TestRefusals checks the handshakes a strict client library must refuse.
func TestRefusals(t *testing.T) {
	s := Start(t)
	for _, tc := range []struct {
		path       string
		wantStatus int
	}{
		{PathForbidden, 403},
		{PathBadGateway, 502},
		{"/no-such-path", 404},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		opts := &websocket.DialOptions{Subprotocols: []string{"chat.v1"}}
		_, resp, err := websocket.Dial(ctx, s.URL(tc.path), opts)
		cancel()
		assert(t, err != nil && resp != nil && resp.StatusCode == tc.wantStatus,
			"%s: want a refused handshake with HTTP %d, got %v %v", tc.path, tc.wantStatus, resp, err)
	}
}

// firstFrame does the handshake for path by hand, checks the accept key,
// and returns the bytes the server sends after it (up to 64).
func firstFrame(t *testing.T, s *Server, path string) []byte {
	t.Helper()
	_, frame := handshake(t, s, path)
	return frame
}

// handshake does the handshake for path by hand, checks the accept key,
// and returns the answer and the bytes the server sends after it (up to
// 64, waiting at most 200ms for them).
func handshake(t *testing.T, s *Server, path string) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	assert(t, err == nil, "dial: %v", err)
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = c.Write([]byte("GET " + path + " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	assert(t, err == nil, "write: %v", err)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	assert(t, err == nil && resp.StatusCode == 101, "%s: handshake: %v %v", path, resp, err)
	// RFC 6455's own example key and answer.
	assert(t, resp.Header.Get("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=",
		"accept key %q", resp.Header.Get("Sec-WebSocket-Accept"))
	buf := make([]byte, 64)
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	n, _ := br.Read(buf)
	return resp, buf[:n]
}

func TestSubprotocol(t *testing.T) {
	resp, frame := handshake(t, Start(t), PathSubprotocol)
	assert(t, resp.Header.Get("Sec-WebSocket-Protocol") == BogusProtocol && len(frame) == 0,
		"protocol %q, then % x", resp.Header.Get("Sec-WebSocket-Protocol"), frame)
}

// TestMisbehaviours checks the bytes each path sends after the handshake.
func TestMisbehaviours(t *testing.T) {
	s := Start(t)
	for _, tc := range []struct {
		path  string
		check func(f []byte) bool
	}{
		{PathInvalidUTF8, func(f []byte) bool { return f[0] == 0x81 && strings.Contains(string(f), "\xff\xfe") }},
		{PathMasked, func(f []byte) bool { return f[0] == 0x81 && f[1]&0x80 != 0 }},
		{PathReservedBits, func(f []byte) bool { return f[0] == 0xC1 }},
		{PathUnknownOpcode, func(f []byte) bool { return f[0] == 0x83 }},
		{PathCloseCode999, func(f []byte) bool { return string(f) == "\x88\x02\x03\xe7" }},
		{PathCloseOneByte, func(f []byte) bool { return string(f) == "\x88\x01\x03" }},
		{PathFlap, func(f []byte) bool { return len(f) == 0 }},
	} {
		f := firstFrame(t, s, tc.path)
		assert(t, tc.check(f), "%s: unexpected bytes % x", tc.path, f)
	}
}

// TestHang checks that PathHang never answers and that Close ends it.
func TestHang(t *testing.T) {
	s, err := Listen("127.0.0.1:0")
	assert(t, err == nil, "listen: %v", err)
	c, err := net.Dial("tcp", s.Addr())
	assert(t, err == nil, "dial: %v", err)
	defer c.Close()
	_, err = c.Write([]byte("GET /hang HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"))
	assert(t, err == nil, "write: %v", err)
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = http.ReadResponse(bufio.NewReader(c), nil)
	var ne net.Error
	assert(t, errors.As(err, &ne) && ne.Timeout(), "want no answer, got %v", err)
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not end a hanging connection")
	}
	assert(t, s.Count(PathHang) == 1, "records: %d", s.Count(PathHang))
}

func TestFrameEncoding(t *testing.T) {
	got := frame(true, 0, opText, nil, []byte("hi"))
	assert(t, string(got) == "\x81\x02hi", "small frame: %q", got)
	got = frame(true, 0x4, opClose, []byte{1, 2, 3, 4}, []byte{0, 1})
	assert(t, string(got) == "\xc8\x82\x01\x02\x03\x04\x01\x03", "masked rsv close frame: %q", got)
	got = frame(true, 0, opBinary, nil, make([]byte, 300))
	assert(t, got[1] == 126 && got[2] == 1 && got[3] == 44 && len(got) == 304, "16-bit length: % x", got[:4])
	got = frame(true, 0, opBinary, nil, make([]byte, 70000))
	assert(t, got[1] == 127 && len(got) == 70010, "64-bit length: % x", got[:10])
}
