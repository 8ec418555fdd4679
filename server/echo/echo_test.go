//go:build !js

package echo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

func TestEchoTextAndBinary(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{})
	c := dial(t, ctx, ts, "/echo", nil)

	typ, got := roundTrip(t, ctx, c, websocket.MessageText, "hello")
	assert.Equal(t, "type", websocket.MessageText, typ)
	assert.Equal(t, "echo", "hello", got)

	typ, got = roundTrip(t, ctx, c, websocket.MessageBinary, "\x00\x01\xff")
	assert.Equal(t, "type", websocket.MessageBinary, typ)
	assert.Equal(t, "echo", "\x00\x01\xff", got)

	// An empty message is a message too.
	typ, got = roundTrip(t, ctx, c, websocket.MessageText, "")
	assert.Equal(t, "type", websocket.MessageText, typ)
	assert.Equal(t, "echo", "", got)
}

func TestPingIsAnsweredWithPongNotEchoed(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{})
	c := dial(t, ctx, ts, "/echo", nil)

	typ, got := roundTrip(t, ctx, c, websocket.MessageText, "ping")
	assert.Equal(t, "type", websocket.MessageText, typ)
	assert.Equal(t, "reply to ping", "pong", got)
	// Had "ping" been echoed as well, it would be the next message.
	_, got = roundTrip(t, ctx, c, websocket.MessageText, "next")
	assert.Equal(t, "message after pong", "next", got)

	// Only a text message is a ping.
	typ, got = roundTrip(t, ctx, c, websocket.MessageBinary, "ping")
	assert.Equal(t, "type", websocket.MessageBinary, typ)
	assert.Equal(t, "binary ping echoed", "ping", got)
}

func TestCustomPingPong(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Ping: "hb", Pong: "hb-ack"})
	c := dial(t, ctx, ts, "/echo", nil)

	_, got := roundTrip(t, ctx, c, websocket.MessageText, "hb")
	assert.Equal(t, "reply to custom ping", "hb-ack", got)
	_, got = roundTrip(t, ctx, c, websocket.MessageText, "ping")
	assert.Equal(t, "default ping echoed", "ping", got)
}

func TestSubprotocols(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{})

	c := dial(t, ctx, ts, "/echo", &websocket.DialOptions{Subprotocols: []string{"beat.v2", "beat.v1"}})
	assert.Equal(t, "subprotocol", "beat.v2", c.Subprotocol())

	c = dial(t, ctx, ts, "/echo?protocol=none", &websocket.DialOptions{Subprotocols: []string{"beat.v2"}})
	assert.Equal(t, "subprotocol with protocol=none", "", c.Subprotocol())

	c = dial(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "subprotocol when none offered", "", c.Subprotocol())
}

func TestDelay(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{})
	c := dial(t, ctx, ts, "/echo?delay=200", nil)

	start := time.Now()
	for _, m := range []string{"a", "b", "ping"} {
		assert.Success(t, c.Write(ctx, websocket.MessageText, []byte(m)))
	}
	var got []string
	for range 3 {
		_, p, err := c.Read(ctx)
		assert.Success(t, err)
		got = append(got, string(p))
	}
	elapsed := time.Since(start)
	assert.Equal(t, "delayed replies in order", []string{"a", "b", "pong"}, got)
	assert.True(t, "replies came after "+elapsed.String()+", want at least 200ms", elapsed >= 200*time.Millisecond)
	// Delays overlap: three messages sent together take one delay, not three.
	assert.True(t, "replies took "+elapsed.String()+", want them pipelined", elapsed < 550*time.Millisecond)

	for _, bad := range []string{"x", "-1", "60001"} {
		status, _ := refusedStatus(t, ctx, ts, "/echo?delay="+bad, nil)
		assert.Equal(t, "status for delay="+bad, http.StatusBadRequest, status)
	}
}

func TestReadLimit(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{ReadLimit: 1024})
	c := dial(t, ctx, ts, "/echo", nil)

	_, got := roundTrip(t, ctx, c, websocket.MessageBinary, strings.Repeat("x", 1024))
	assert.Equal(t, "echo of a message at the limit", 1024, len(got))

	assert.Success(t, c.Write(ctx, websocket.MessageBinary, make([]byte, 4096)))
	_, _, err := c.Read(ctx)
	assert.Equal(t, "close status", websocket.StatusMessageTooBig, websocket.CloseStatus(err))
}

func TestDefaultReadLimitIsOneMiB(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{})
	c := dial(t, ctx, ts, "/echo", nil)
	c.SetReadLimit(-1)

	_, got := roundTrip(t, ctx, c, websocket.MessageBinary, strings.Repeat("x", 1<<20))
	assert.Equal(t, "echo of 1 MiB", 1<<20, len(got))

	assert.Success(t, c.Write(ctx, websocket.MessageBinary, make([]byte, 1<<20+1)))
	_, _, err := c.Read(ctx)
	assert.Equal(t, "close status", websocket.StatusMessageTooBig, websocket.CloseStatus(err))
}

func TestOriginCheck(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{OriginPatterns: []string{"*.trusted.example"}})

	status, _ := refusedStatus(t, ctx, ts, "/echo", &websocket.DialOptions{
		HTTPHeader: http.Header{"Origin": {"http://evil.example"}},
	})
	assert.Equal(t, "status for a foreign origin", http.StatusForbidden, status)

	same := "http://" + strings.TrimPrefix(ts.URL, "http://")
	c := dial(t, ctx, ts, "/echo", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {same}}})
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "same origin")
	assert.Equal(t, "echo", "same origin", got)

	c = dial(t, ctx, ts, "/echo", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {"https://app.trusted.example"}}})
	_, got = roundTrip(t, ctx, c, websocket.MessageText, "allowed origin")
	assert.Equal(t, "echo", "allowed origin", got)
}

func TestMaxConns(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{MaxConns: 2})
	first := dial(t, ctx, ts, "/echo", nil)
	dial(t, ctx, ts, "/echo", nil)

	status, _ := refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "status beyond MaxConns", http.StatusServiceUnavailable, status)
	assert.Equal(t, "rejected", int64(1), s.Stats().Rejected)
	assert.Equal(t, "open", 2, s.Stats().Open)

	first.Close(websocket.StatusNormalClosure, "")
	eventually(t, "one connection to close", func() bool { return s.Stats().Open == 1 })
	c := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "room again")
	assert.Equal(t, "echo", "room again", got)
}

func TestKeepalive(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Keepalive: 100 * time.Millisecond})
	c := dial(t, ctx, ts, "/echo", nil)

	start := time.Now()
	for i := range 3 {
		typ, p, err := c.Read(ctx)
		assert.Success(t, err)
		assert.Equal(t, "type of keepalive", websocket.MessageText, typ)
		assert.Equal(t, "keepalive "+string(rune('0'+i)), "pong", string(p))
	}
	elapsed := time.Since(start)
	assert.True(t, "3 keepalives after "+elapsed.String()+", want at least 250ms", elapsed >= 250*time.Millisecond)
	assert.True(t, "sent counts keepalives", s.Stats().Sent >= 3)
}

func TestKeepaliveWaitsForOutboundSilence(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Keepalive: 400 * time.Millisecond})
	c := dial(t, ctx, ts, "/echo", nil)

	// Echoes every 100ms keep the connection busy, so no keepalive is due.
	for i := range 8 {
		msg := "m" + string(rune('0'+i))
		_, got := roundTrip(t, ctx, c, websocket.MessageText, msg)
		assert.Equal(t, "echo while busy", msg, got)
		time.Sleep(100 * time.Millisecond)
	}
	_, p, err := c.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "keepalive once idle", "pong", string(p))
}

func TestShutdownClosesWithGoingAway(t *testing.T) {
	ctx := testContext(t)
	s := echo.New(echo.Config{Control: true})
	ts := newHTTPTestServer(t, s)
	silenced := dial(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "silenced", 1, post(t, ts, "/control/silence"))
	live := dial(t, ctx, ts, "/echo", nil)
	liveRead := readAsync(ctx, live)
	silencedRead := readAsync(ctx, silenced)

	start := time.Now()
	assert.Success(t, s.Shutdown(ctx))
	assert.True(t, "shutdown took "+time.Since(start).String(), time.Since(start) < 3*time.Second)

	r := <-liveRead
	var ce websocket.CloseError
	assert.True(t, "live connection got a close frame: "+errString(r.err), errors.As(r.err, &ce))
	assert.Equal(t, "close frame", websocket.CloseError{Code: websocket.StatusGoingAway, Reason: "going away"}, ce)

	r = <-silencedRead
	assert.Error(t, r.err)
	assert.Equal(t, "close status of the silenced connection", websocket.StatusCode(-1), websocket.CloseStatus(r.err))
	assert.Equal(t, "open after shutdown", 0, s.Stats().Open)

	status, _ := refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "status after shutdown", http.StatusServiceUnavailable, status)
}

func TestShutdownGivesUpWhenContextEnds(t *testing.T) {
	ctx := testContext(t)
	s := echo.New(echo.Config{})
	ts := newHTTPTestServer(t, s)
	// The client never reads, so it never answers the close frame.
	dial(t, ctx, ts, "/echo", nil)
	eventually(t, "the connection to open", func() bool { return s.Stats().Open == 1 })

	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := s.Shutdown(short)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.True(t, "shutdown returned after "+time.Since(start).String(), time.Since(start) < 2*time.Second)
	eventually(t, "the connection to be closed", func() bool { return s.Stats().Open == 0 })
}

func TestIsLoopback(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080":       true,
		"127.0.0.2:80":         true,
		"[::1]:0":              true,
		"localhost:8080":       true,
		"LOCALHOST:1":          true,
		"::1":                  true,
		"127.0.0.1":            true,
		"[::ffff:127.0.0.1]:1": true,
		":8080":                false,
		"0.0.0.0:80":           false,
		"[::]:80":              false,
		"192.168.1.2:80":       false,
		"example.com:80":       false,
		"localhost.evil.com:1": false,
		"":                     false,
	} {
		assert.Equal(t, "IsLoopback("+addr+")", want, echo.IsLoopback(addr))
	}
}

// newHTTPTestServer serves s for a test that calls Shutdown itself.
func newHTTPTestServer(t *testing.T, s *echo.Server) *httptest.Server {
	t.Helper()
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return ts
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
