//go:build !js

package echo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
	"github.com/wsbeat/wsbeat/server/internal/leakcheck"
)

func TestMain(m *testing.M) {
	leakcheck.Main(m)
}

// startServer serves s on 127.0.0.1 and shuts both down when the test ends.
func startServer(t *testing.T, cfg echo.Config) (*echo.Server, *httptest.Server) {
	t.Helper()
	s := echo.New(cfg)
	ts := httptest.NewServer(s)
	t.Cleanup(func() {
		ts.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s, ts
}

// testContext bounds a test.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wsURL(ts *httptest.Server, path string) string {
	return "ws" + strings.TrimPrefix(ts.URL, "http") + path
}

// dial opens a WebSocket to path and closes it when the test ends.
func dial(t *testing.T, ctx context.Context, ts *httptest.Server, path string, opts *websocket.DialOptions) *websocket.Conn {
	t.Helper()
	c, _, err := dialErr(ctx, ts, path, opts)
	assert.Success(t, err)
	t.Cleanup(func() { c.CloseNow() })
	return c
}

// dialErr dials without failing the test, for refused upgrades.
func dialErr(ctx context.Context, ts *httptest.Server, path string, opts *websocket.DialOptions) (*websocket.Conn, *http.Response, error) {
	if opts == nil {
		opts = &websocket.DialOptions{}
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = ts.Client()
	}
	return websocket.Dial(ctx, wsURL(ts, path), opts)
}

// refusedStatus dials path and returns the HTTP status of the refusal,
// failing the test if the upgrade succeeds.
func refusedStatus(t *testing.T, ctx context.Context, ts *httptest.Server, path string, opts *websocket.DialOptions) (int, http.Header) {
	t.Helper()
	c, resp, err := dialErr(ctx, ts, path, opts)
	if err == nil {
		c.CloseNow()
		t.Fatalf("dial %s: upgrade accepted, want it refused", path)
	}
	if resp == nil {
		t.Fatalf("dial %s: no HTTP response: %v", path, err)
	}
	return resp.StatusCode, resp.Header
}

// roundTrip writes p and returns the next message.
func roundTrip(t *testing.T, ctx context.Context, c *websocket.Conn, typ websocket.MessageType, p string) (websocket.MessageType, string) {
	t.Helper()
	assert.Success(t, c.Write(ctx, typ, []byte(p)))
	gotTyp, got, err := c.Read(ctx)
	assert.Success(t, err)
	return gotTyp, string(got)
}

// request sends method path to ts and returns the status and body.
func request(t *testing.T, ts *httptest.Server, method, path string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, nil)
	assert.Success(t, err)
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

// post sends a control POST and returns the affected count, failing unless
// it is answered 200 with ok true.
func post(t *testing.T, ts *httptest.Server, path string) int {
	t.Helper()
	resp, body := request(t, ts, http.MethodPost, path, nil)
	assert.Equal(t, "status of POST "+path+" ("+body+")", http.StatusOK, resp.StatusCode)
	var res struct {
		OK       bool `json:"ok"`
		Affected int  `json:"affected"`
	}
	assert.Success(t, json.Unmarshal([]byte(body), &res))
	assert.Equal(t, "ok", true, res.OK)
	return res.Affected
}

// getJSON fetches path and decodes it into v.
func getJSON(t *testing.T, ts *httptest.Server, path string, v any) {
	t.Helper()
	resp, body := request(t, ts, http.MethodGet, path, nil)
	assert.Equal(t, "status of GET "+path, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "Content-Type", "application/json", resp.Header.Get("Content-Type"))
	assert.Success(t, json.Unmarshal([]byte(body), v))
}

// eventually polls cond until it holds, failing after 5s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	eventuallyWithin(t, 5*time.Second, what, cond)
}

// eventuallyWithin polls cond until it holds, failing after d.
func eventuallyWithin(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// readAsync reads one message from c in the background.
func readAsync(ctx context.Context, c *websocket.Conn) <-chan readResult {
	ch := make(chan readResult, 1)
	go func() {
		typ, p, err := c.Read(ctx)
		ch <- readResult{typ, string(p), err}
	}()
	return ch
}

type readResult struct {
	typ websocket.MessageType
	msg string
	err error
}
