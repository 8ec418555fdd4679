//go:build !js

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/reliable/wire"
	"github.com/wsbeat/wsbeat/server/internal/assert"
	"github.com/wsbeat/wsbeat/server/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

func TestControlDecision(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		force bool
		on    bool
		why   string
	}{
		{"127.0.0.1:8080", false, true, "control API on: 127.0.0.1:8080 is loopback"},
		{"[::1]:8080", false, true, "control API on: [::1]:8080 is loopback"},
		{"localhost:8080", false, true, "control API on: localhost:8080 is loopback"},
		{"0.0.0.0:0", false, false, "control API off: listening on 0.0.0.0:0 is not loopback; pass -control to enable"},
		{"[::]:8080", false, false, "control API off: listening on [::]:8080 is not loopback; pass -control to enable"},
		{"192.168.1.20:8080", false, false, "control API off: listening on 192.168.1.20:8080 is not loopback; pass -control to enable"},
		{"0.0.0.0:8080", true, true, "control API on: enabled by -control"},
	} {
		on, why := controlDecision(tc.addr, tc.force)
		assert.Equal(t, "control for "+tc.addr, tc.on, on)
		assert.Equal(t, "reason for "+tc.addr, tc.why, why)
	}
}

// syncBuffer is a bytes.Buffer that run may write while the test reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startRun runs the command with args and returns its start-up line and a
// channel with run's result. The command stops when the test ends.
func startRun(t *testing.T, args ...string) (line string, stderr *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stdout syncBuffer
	stderr = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- Run(ctx, args, &stdout, stderr) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				err = errors.New("run did not return after cancel")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })

	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stdout.String(), "\n") {
		select {
		case err := <-done:
			t.Fatalf("run returned before listening: %v (stderr: %s)", err, stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("run printed no start-up line")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return stdout.String(), stderr, stop
}

// listenAddr extracts host:port from the start-up line.
func listenAddr(t *testing.T, line string) string {
	t.Helper()
	const prefix = "listening on http://"
	assert.True(t, "start-up line "+line, strings.HasPrefix(line, prefix))
	addr, _, _ := strings.Cut(strings.TrimPrefix(line, prefix), " ")
	return addr
}

func TestRun(t *testing.T) {
	root := t.TempDir()
	assert.Success(t, os.WriteFile(filepath.Join(root, "index.html"), []byte("<h1>demo</h1>"), 0o644))
	line, stderr, stop := startRun(t, "-addr", "127.0.0.1:0", "-root", root, "-keepalive", "1h", "-read-limit", "16")
	assert.Equal(t, "lines printed", 1, strings.Count(line, "\n"))
	assert.Contains(t, "start-up line", line, "control API on: 127.0.0.1:")
	assert.Contains(t, "start-up line", line, "static files: / from "+root)
	addr := listenAddr(t, line)
	assert.True(t, "listening on an ephemeral port: "+addr, !strings.HasSuffix(addr, ":0"))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/echo", &websocket.DialOptions{HTTPClient: client})
	assert.Success(t, err)
	defer c.CloseNow()
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("hi")))
	_, p, err := c.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "echo", "hi", string(p))

	resp, err := client.Get("http://" + addr + "/control/stats")
	assert.Success(t, err)
	var stats struct{ Open, Received int }
	assert.Success(t, json.NewDecoder(resp.Body).Decode(&stats))
	resp.Body.Close()
	assert.Equal(t, "stats", struct{ Open, Received int }{1, 1}, stats)

	resp, err = client.Get("http://" + addr + "/")
	assert.Success(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	assert.Equal(t, "index", "<h1>demo</h1>", string(body))

	// -read-limit reaches the server.
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte(strings.Repeat("x", 17))))
	_, _, err = c.Read(ctx)
	assert.Equal(t, "close status for 17 bytes", websocket.StatusMessageTooBig, websocket.CloseStatus(err))

	c2, _, err := websocket.Dial(ctx, "ws://"+addr+"/echo", &websocket.DialOptions{HTTPClient: client})
	assert.Success(t, err)
	defer c2.CloseNow()
	reads := make(chan error, 1)
	go func() {
		_, _, err := c2.Read(ctx)
		reads <- err
	}()
	assert.Success(t, stop())
	var ce websocket.CloseError
	err = <-reads
	assert.True(t, "a close frame on shutdown: "+err.Error(), errors.As(err, &ce))
	assert.Equal(t, "close frame on shutdown", websocket.CloseError{Code: websocket.StatusGoingAway, Reason: "going away"}, ce)
	assert.Contains(t, "log", stderr.String(), "connected")

	_, err = net.DialTimeout("tcp", addr, time.Second)
	assert.Error(t, err)
}

func TestRunForcedControl(t *testing.T) {
	line, _, stop := startRun(t, "-addr", "127.0.0.1:0", "-control", "-root", "", "-quiet")
	assert.Contains(t, "start-up line", line, "no static files); control API on: enabled by -control")
	assert.Success(t, stop())
}

func TestRunHandshakeTimeout(t *testing.T) {
	line, _, _ := startRun(t, "-addr", "127.0.0.1:0", "-handshake-timeout", "200ms", "-quiet")
	addr := listenAddr(t, line)

	nc, err := net.DialTimeout("tcp", addr, time.Second)
	assert.Success(t, err)
	defer nc.Close()
	start := time.Now()
	_, err = io.WriteString(nc, "GET /echo HTTP/1.1\r\nHost: "+addr+"\r\nUpgrade: websocket\r\n")
	assert.Success(t, err)
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	io.Copy(io.Discard, nc)
	elapsed := time.Since(start)
	assert.True(t, "a stalled handshake was cut after "+elapsed.String(), elapsed >= 150*time.Millisecond && elapsed < 3*time.Second)
}

func TestRunRefusesBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-bogus"},
		{"-addr", "127.0.0.1:0", "extra"},
		{"-addr", "127.0.0.1:0", "-handshake-timeout", "0s"},
		{"-addr", "127.0.0.1:0", "-read-limit", "0"},
		{"-addr", "127.0.0.1:0", "-max-conns", "-1"},
		{"-addr", "127.0.0.1:0", "-idle-timeout", "0s"},
		{"-addr", "127.0.0.1:0", "-write-timeout", "-1s"},
		{"-addr", "127.0.0.1:0", "-session-ttl", "0s"},
		{"-addr", "127.0.0.1:0", "-max-sessions", "-1"},
		{"-addr", "127.0.0.1:0", "-upstream", "http://example.com/"},
		{"-addr", "127.0.0.1:0", "-static", "dist"},
		{"-addr", "127.0.0.1:0", "-static", "dist/=dist"},
		{"-addr", "127.0.0.1:99999"},
	} {
		var stdout, stderr bytes.Buffer
		err := Run(context.Background(), args, &stdout, &stderr)
		assert.True(t, strings.Join(args, " ")+" was accepted", err != nil)
		assert.Equal(t, "stdout for "+strings.Join(args, " "), "", stdout.String())
	}

	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), []string{"-h"}, &stdout, &stderr)
	assert.ErrorIs(t, err, flag.ErrHelp)
	assert.Contains(t, "usage", stderr.String(), "-origins")
}

// Security finding: the HTTP server had no idle timeout of its own, so a
// forgotten keep-alive connection stayed open for as long as the header
// timeout allowed, or forever without one. -idle-timeout closes it.
func TestRunIdleTimeout(t *testing.T) {
	line, _, _ := startRun(t, "-addr", "127.0.0.1:0", "-handshake-timeout", "1m", "-idle-timeout", "200ms", "-quiet")
	addr := listenAddr(t, line)

	nc, err := net.DialTimeout("tcp", addr, time.Second)
	assert.Success(t, err)
	defer nc.Close()
	_, err = io.WriteString(nc, "GET /control/stats HTTP/1.1\r\nHost: "+addr+"\r\n\r\n")
	assert.Success(t, err)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
	assert.Success(t, err)
	assert.Equal(t, "status", http.StatusOK, resp.StatusCode)
	start := time.Now()
	_, err = io.Copy(io.Discard, nc) // the body, then EOF when the server closes
	assert.Success(t, err)
	elapsed := time.Since(start)
	assert.True(t, "an idle connection was closed after "+elapsed.String(), elapsed < 5*time.Second)
}

func TestNewHTTPServerTimeouts(t *testing.T) {
	hs := newHTTPServer(http.NotFoundHandler(), 3*time.Second, 7*time.Second, nil)
	assert.Equal(t, "ReadHeaderTimeout", 3*time.Second, hs.ReadHeaderTimeout)
	assert.Equal(t, "IdleTimeout", 7*time.Second, hs.IdleTimeout)
	assert.True(t, "MaxHeaderBytes is set", hs.MaxHeaderBytes > 0)
}

func TestRunStaticMountsAndHosts(t *testing.T) {
	dir := t.TempDir()
	assert.Success(t, os.MkdirAll(filepath.Join(dir, "dist"), 0o755))
	assert.Success(t, os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>demo</h1>"), 0o644))
	assert.Success(t, os.WriteFile(filepath.Join(dir, "secret.go"), []byte("package secret"), 0o644))
	assert.Success(t, os.WriteFile(filepath.Join(dir, "dist", "wsbeat.js"), []byte("// js"), 0o644))
	line, _, _ := startRun(t, "-addr", "127.0.0.1:0", "-quiet", "-hosts", "wsbeat.test",
		"-static", "/="+filepath.Join(dir, "index.html"), "-static", "/dist/="+filepath.Join(dir, "dist"))
	addr := listenAddr(t, line)
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	get := func(host, path string) (int, string) {
		req, err := http.NewRequest(http.MethodGet, "http://"+addr+path, nil)
		assert.Success(t, err)
		req.Host = host
		resp, err := client.Do(req)
		assert.Success(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tc := range []struct {
		host, path string
		status     int
		body       string
	}{
		{addr, "/", 200, "<h1>demo</h1>"},
		{addr, "/dist/wsbeat.js", 200, "// js"},
		{addr, "/secret.go", 404, ""},
		{addr, "/index.html", 404, ""},
		{"wsbeat.test:1", "/", 200, "<h1>demo</h1>"},
		{"evil.example", "/", 403, ""},
	} {
		status, body := get(tc.host, tc.path)
		assert.Equal(t, "status of "+tc.path+" for "+tc.host, tc.status, status)
		if tc.body != "" {
			assert.Equal(t, "body of "+tc.path, tc.body, body)
		}
	}
}

// reliableHello dials /echo offering wsbeat.reliable.v1, sends hello,
// and returns the welcome or the error of the read (a close). It closes
// the connection: the session lives on for its TTL.
func reliableHello(t *testing.T, ctx context.Context, client *http.Client, addr, hello string) (wire.Frame, error) {
	t.Helper()
	c, _, err := websocket.Dial(ctx, "ws://"+addr+"/echo", &websocket.DialOptions{HTTPClient: client, Subprotocols: []string{wire.Subprotocol}})
	assert.Success(t, err)
	defer c.CloseNow()
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte(hello)))
	_, p, err := c.Read(ctx)
	if err != nil {
		return wire.Frame{}, err
	}
	f, _, err := wire.Decode(false, p)
	assert.Success(t, err)
	assert.Equal(t, "answer to hello", wire.Welcome, f.Kind)
	return f, nil
}

func TestRunMaxSessions(t *testing.T) {
	line, _, _ := startRun(t, "-addr", "127.0.0.1:0", "-max-sessions", "1", "-quiet")
	addr := listenAddr(t, line)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	_, err := reliableHello(t, ctx, client, addr, "H")
	assert.Success(t, err)
	_, err = reliableHello(t, ctx, client, addr, "H")
	assert.Equal(t, "close status of a second session", websocket.StatusTryAgainLater, websocket.CloseStatus(err))
}

// With -session-ttl, a session whose client stays away is forgotten: its
// resume is welcomed into a new session.
func TestRunSessionTTL(t *testing.T) {
	line, _, _ := startRun(t, "-addr", "127.0.0.1:0", "-session-ttl", "50ms", "-quiet")
	addr := listenAddr(t, line)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()

	first, err := reliableHello(t, ctx, client, addr, "H")
	assert.Success(t, err)
	for {
		w, err := reliableHello(t, ctx, client, addr, wire.Control(wire.Frame{Kind: wire.Hello, Session: first.Session}))
		assert.Success(t, err)
		if w.Session != first.Session {
			return
		}
		// Still within the TTL (which this connection restarted): look
		// again.
		select {
		case <-ctx.Done():
			t.Fatal("the session outlived -session-ttl")
		case <-time.After(100 * time.Millisecond):
		}
	}
}
