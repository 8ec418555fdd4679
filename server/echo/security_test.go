//go:build !js

package echo_test

// Regression tests for the security review of the server: each fails on the
// server as it was before the review.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

// HIGH: DNS rebinding. A page on evil.example whose name resolves to
// 127.0.0.1 sends requests with Host and Origin both evil.example, which
// passed the Origin == Host rule. The Host allowlist refuses them on every
// path.
func TestDNSRebindingIsRefused(t *testing.T) {
	ctx := testContext(t)
	_, root := staticRoot(t, map[string]string{"index.html": "home", "secret.txt": "TOP SECRET"})
	s, ts := startServer(t, echo.Config{Control: true, Root: root, AllowedHosts: []string{"*.dev.example"}})
	_, port, err := net.SplitHostPort(ts.Listener.Addr().String())
	assert.Success(t, err)
	port = ":" + port
	c := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "hi")
	assert.Equal(t, "echo", "hi", got)

	evil := "evil.example" + port
	h := http.Header{"Origin": {"http://" + evil}}
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/control/drop"},
		{http.MethodGet, "/control/messages"},
		{http.MethodGet, "/secret.txt"},
		{http.MethodGet, "/"},
	} {
		resp, body := requestHost(t, ts, evil, r.method, r.path, h)
		assert.Equal(t, "status of "+r.method+" "+r.path+" for Host "+evil, http.StatusForbidden, resp.StatusCode)
		assert.True(t, "the secret leaked", !strings.Contains(body, "TOP SECRET"))
		assert.Contains(t, "body", body, "evil.example")
	}
	status, _ := refusedStatus(t, ctx, ts, "/echo", &websocket.DialOptions{Host: evil, HTTPHeader: h})
	assert.Equal(t, "status of an upgrade for Host "+evil, http.StatusForbidden, status)
	assert.Equal(t, "open after the refused requests", 1, s.Stats().Open)

	// Local names, IP literals and AllowedHosts pass.
	for _, host := range []string{"localhost" + port, "app.localhost" + port, "LOCALHOST.", "127.0.0.1" + port, "[::1]" + port, "10.1.2.3", "a.dev.example" + port} {
		resp, body := requestHost(t, ts, host, http.MethodGet, "/", nil)
		assert.Equal(t, "status for Host "+host, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "body for Host "+host, "home", body)
	}
	for _, host := range []string{"dev.example", "localhost.evil.example", "127.0.0.1.nip.io"} {
		resp, _ := requestHost(t, ts, host, http.MethodGet, "/", nil)
		assert.Equal(t, "status for Host "+host, http.StatusForbidden, resp.StatusCode)
	}
}

// requestHost sends method path to ts with the Host header host.
func requestHost(t *testing.T, ts *httptest.Server, host, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	assert.Success(t, err)
	req.Host = host
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := ts.Client().Do(req)
	assert.Success(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	assert.Success(t, err)
	return resp, string(body)
}

// MEDIUM: the control API had no authentication beyond the Origin rule.
// With Token it needs the token, as a bearer header or a query parameter.
func TestControlToken(t *testing.T) {
	_, ts := startServer(t, echo.Config{Control: true, Token: "s3cret", OriginPatterns: []string{"localhost:5173"}})
	for _, tc := range []struct {
		name   string
		path   string
		header http.Header
		status int
	}{
		{"no token", "/control/stats", nil, http.StatusUnauthorized},
		{"wrong bearer", "/control/stats", http.Header{"Authorization": {"Bearer nope"}}, http.StatusUnauthorized},
		{"token as Basic", "/control/stats", http.Header{"Authorization": {"Basic s3cret"}}, http.StatusUnauthorized},
		{"wrong query", "/control/stats?token=s3cre", nil, http.StatusUnauthorized},
		{"bearer", "/control/stats", http.Header{"Authorization": {"Bearer s3cret"}}, http.StatusOK},
		{"query", "/control/stats?token=s3cret", nil, http.StatusOK},
		{"preflight", "/control/stats", http.Header{"Origin": {"http://localhost:5173"}, "Access-Control-Request-Method": {"GET"}}, http.StatusNoContent},
	} {
		method := http.MethodGet
		if tc.name == "preflight" {
			method = http.MethodOptions
		}
		resp, body := request(t, ts, method, tc.path, tc.header)
		assert.Equal(t, "status with "+tc.name+" ("+body+")", tc.status, resp.StatusCode)
		if tc.status == http.StatusUnauthorized {
			assert.Contains(t, "WWW-Authenticate", resp.Header.Get("WWW-Authenticate"), "Bearer")
			assert.True(t, "the answer gives the token away", !strings.Contains(body, "s3cret"))
		}
	}
	resp, _ := request(t, ts, http.MethodPost, "/control/drop", nil)
	assert.Equal(t, "status of a POST without token", http.StatusUnauthorized, resp.StatusCode)
}

// MEDIUM: dotfiles and .git were served, and make run served the whole
// repository. Nothing whose name starts with "." is served.
func TestStaticNeverServesDotfiles(t *testing.T) {
	_, root := staticRoot(t, map[string]string{
		"index.html":        "home",
		".env":              "API_KEY=1",
		".git/config":       "[remote]",
		".git/HEAD":         "ref: refs/heads/main",
		"sub/.hidden.js":    "hidden",
		"sub/ok.js":         "ok",
		".well/index.html":  "dot dir index",
		"sub/.d/index.html": "nested dot dir",
	})
	ts := startStatic(t, root)
	for _, p := range []string{"/.env", "/.git/config", "/.git/HEAD", "/.git/", "/.git", "/sub/.hidden.js", "/%2egit/config", "/.well/", "/sub/.d/"} {
		resp, body := get(t, ts, http.MethodGet, p, "", nil)
		assert.Equal(t, "status of "+p+" ("+body+")", http.StatusNotFound, resp.StatusCode)
	}
	resp, body := get(t, ts, http.MethodGet, "/sub/ok.js", "", nil)
	assert.Equal(t, "status of an ordinary file", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body of an ordinary file", "ok", body)
}

// LOW: unknown extensions got types guessed from the system's tables or by
// sniffing (go.mod as audio/x-mod). Types come from an explicit table.
func TestStaticContentTypesComeFromATable(t *testing.T) {
	_, root := staticRoot(t, map[string]string{
		"go.mod":     "module x",
		"page.xhtml": "<html><script>alert(1)</script></html>",
		"noext":      "<html><script>alert(1)</script></html>",
		"app.ts":     "export {}",
		"a.wasm":     "\x00asm",
		"m.MJS":      "export {}",
	})
	ts := startStatic(t, root)
	for p, want := range map[string]string{
		"/go.mod":     "application/octet-stream",
		"/page.xhtml": "application/octet-stream",
		"/noext":      "application/octet-stream",
		"/app.ts":     "text/plain; charset=utf-8",
		"/a.wasm":     "application/wasm",
		"/m.MJS":      "text/javascript; charset=utf-8",
	} {
		resp, _ := get(t, ts, http.MethodGet, p, "", nil)
		assert.Equal(t, "Content-Type of "+p, want, resp.Header.Get("Content-Type"))
		assert.Equal(t, "X-Content-Type-Options of "+p, "nosniff", resp.Header.Get("X-Content-Type-Options"))
	}
}

// MEDIUM: ?delay= let one connection hold back 256 messages of up to the
// read limit each (about 257 MiB). The backlog is bounded in bytes; beyond
// it the connection closes with 1013 and the log says why.
func TestDelayBacklogIsBounded(t *testing.T) {
	ctx := testContext(t)
	var logged logLines
	s, ts := startServer(t, echo.Config{ReadLimit: 1 << 20, MaxDelayBacklog: 3 << 20, Logf: logged.printf})
	c := dial(t, ctx, ts, "/echo?delay=60000", nil)
	chunk := make([]byte, 1<<20)
	var err error
	for i := 0; i < 8 && err == nil; i++ {
		err = c.Write(ctx, websocket.MessageBinary, chunk)
	}
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	assert.True(t, "a close frame: "+errString(err), errors.As(err, &ce))
	assert.Equal(t, "close status", websocket.StatusTryAgainLater, ce.Code)
	assert.Contains(t, "close reason", ce.Reason, "delay backlog")
	eventually(t, "the connection to end", func() bool { return s.Stats().Open == 0 })
	assert.Contains(t, "log", logged.String(), "closing with 1013: delay backlog over 3145728 bytes")
}

// MEDIUM: writes had no deadline, so a client that stops reading held its
// connection, goroutine and buffers forever. A write that takes longer than
// WriteTimeout closes the connection.
func TestWritesHaveADeadline(t *testing.T) {
	// The client's context outlives the wait below: a client that gave up
	// would end the connection itself and hide a server that never does.
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	s, ts := startServer(t, echo.Config{ReadLimit: 4 << 20, WriteTimeout: 300 * time.Millisecond})
	c := dial(t, ctx, ts, "/echo", nil)
	var writers sync.WaitGroup
	defer writers.Wait()
	defer cancel()
	writers.Go(func() {
		// Write and never read: the server's echoes fill the socket
		// buffers and its writes stall.
		chunk := make([]byte, 1<<20)
		for ctx.Err() == nil {
			if c.Write(ctx, websocket.MessageBinary, chunk) != nil {
				return
			}
		}
	})
	// Filling the socket buffers takes a while on a loaded machine.
	eventuallyWithin(t, 30*time.Second, "the server to give up on a client that does not read", func() bool { return s.Stats().Open == 0 })
}

// MEDIUM: connections were unlimited by default.
func TestDefaultConnectionLimit(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{})
	// Fill all but one slot without WebSockets: a reserved slot is what an
	// upgrade takes, so this shows the limit without 1000 sockets.
	for range 999 {
		echo.ReserveForTest(s)
	}
	t.Cleanup(func() { echo.ReleaseForTest(s, 999) })
	dial(t, ctx, ts, "/echo", nil)
	status, _ := refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "status of connection 1001", http.StatusServiceUnavailable, status)
}

// LOW: numbers overflowed instead of being refused: reject?ms=9223372036855
// times a millisecond wraps to a negative Duration that passed the bound.
func TestOutOfRangeNumbersAreRefused(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true})
	for _, p := range []string{
		"/control/reject?ms=9223372036855",
		"/control/reject?ms=99999999999999999999",
		"/control/reject?ms=10&status=9223372036854775807",
		"/control/reject?ms=10&status=4294967699",
		"/control/close?code=4294968296",
		"/control/send?binary=2",
		"/control/silence?tag=" + url.QueryEscape("a b"),
		"/control/drop?tag=" + strings.Repeat("x", 65),
	} {
		resp, body := request(t, ts, http.MethodPost, p, nil)
		assert.Equal(t, "status of "+p+" ("+body+")", http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, "body of "+p, body, `"error":"invalid`)
	}
	for _, p := range []string{"/control/wait?open=1&timeout=9223372036855", "/control/wait?open=-1", "/control/wait?open=9223372036854775808"} {
		resp, body := request(t, ts, http.MethodGet, p, nil)
		assert.Equal(t, "status of "+p+" ("+body+")", http.StatusBadRequest, resp.StatusCode)
	}
	for _, q := range []string{"delay=9223372036855", "delay=-1", "delay=60001", "tag=%00"} {
		status, _ := refusedStatus(t, ctx, ts, "/echo?"+q, nil)
		assert.Equal(t, "status of /echo?"+q, http.StatusBadRequest, status)
	}
}

// logLines collects Logf output.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logLines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}
