//go:build !js

package browsertest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/server/echo"
)

// Server is the echo/fault server started in-process on 127.0.0.1 for a
// test, so a browser test can break connections on demand through
// Control and read the server's counters from Echo.Stats.
type Server struct {
	*httptest.Server
	Echo *echo.Server
}

// StartServer starts an echo.Server for cfg on 127.0.0.1. Root defaults to
// RepoRoot, so pages and the built wasm load by their repository paths,
// and Control is always on. Cleanup shuts the WebSockets down (close code
// 1001) and then the HTTP server.
func StartServer(tb testing.TB, cfg echo.Config) *Server {
	tb.Helper()
	if cfg.Root == "" {
		cfg.Root = RepoRoot(tb)
	}
	cfg.Control = true
	e := echo.New(cfg)
	ts := httptest.NewUnstartedServer(e)
	ts.Config.ReadHeaderTimeout = cfg.HandshakeTimeout
	if ts.Config.ReadHeaderTimeout <= 0 {
		ts.Config.ReadHeaderTimeout = 10 * time.Second
	}
	ts.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := e.Shutdown(ctx); err != nil {
			tb.Errorf("browsertest: shutting the echo server down: %v", err)
		}
		ts.Close()
	})
	return &Server{Server: ts, Echo: e}
}

// WSURL returns the WebSocket URL of path on this server, such as
// WSURL("/echo") = "ws://127.0.0.1:PORT/echo".
func (s *Server) WSURL(path string) string {
	return "ws://" + s.Listener.Addr().String() + path
}

// Control POSTs to the control API and returns the answer's body. It
// accepts "drop", "/drop" or "/control/drop" (with a query), and fails the
// test unless the answer is 200 OK.
func (s *Server) Control(tb testing.TB, pathAndQuery string) string {
	tb.Helper()
	pathAndQuery = strings.TrimPrefix(strings.TrimPrefix(pathAndQuery, "/"), "control/")
	url := s.URL + "/control/" + pathAndQuery
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(url, "", nil)
	if err != nil {
		tb.Fatalf("browsertest: POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("browsertest: POST %s: reading the answer: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("browsertest: POST %s: %s: %s", url, resp.Status, body)
	}
	return string(body)
}
