//go:build !js

package nginxtest

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
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

// echoServer echoes WebSocket messages at /ws and says which backend
// answered everywhere else.
func echoServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ws" && !strings.HasSuffix(r.URL.Path, "/ws") {
			io.WriteString(w, name+" "+r.URL.Path)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			return
		}
		defer c.CloseNow()
		for {
			typ, p, err := c.Read(r.Context())
			if err != nil {
				return
			}
			if c.Write(r.Context(), typ, p) != nil {
				return
			}
		}
	}))
	t.Cleanup(s.Close)
	return s
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(url)
	assert(t, err == nil, "GET %s: %v", url, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestLocations(t *testing.T) {
	main, other := echoServer(t, "main"), echoServer(t, "other")
	n := Start(t, Config{
		Upstream: strings.TrimPrefix(main.URL, "http://"),
		Routes:   map[string]string{"/other/": strings.TrimPrefix(other.URL, "http://")},
	})
	base := "http://" + n.Addr
	for _, tc := range []struct {
		path   string
		status int
		body   string
	}{
		{"/x", 200, "main /x"},
		{"/other/y", 200, "other /other/y"},
		{PathForbidden, 403, ""},
		{PathBadGateway, 502, ""},
	} {
		status, body := get(t, base+tc.path)
		assert(t, status == tc.status && strings.Contains(body, tc.body),
			"%s: got %d %q, want %d %q", tc.path, status, body, tc.status, tc.body)
	}
}

// TestIdleTimeout checks that WebSockets pass through and that nginx cuts
// an idle one after ReadTimeout, as the browser tests rely on.
func TestIdleTimeout(t *testing.T) {
	up := echoServer(t, "main")
	n := Start(t, Config{Upstream: strings.TrimPrefix(up.URL, "http://"), ReadTimeout: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, n.URL("/ws"), nil)
	assert(t, err == nil, "dial through nginx: %v", err)
	defer c.CloseNow()
	assert(t, c.Write(ctx, websocket.MessageText, []byte("hi")) == nil, "write")
	_, p, err := c.Read(ctx)
	assert(t, err == nil && string(p) == "hi", "echo through nginx: %q %v", p, err)

	start := time.Now()
	_, _, err = c.Read(ctx)
	idle := time.Since(start)
	assert(t, err != nil && websocket.CloseStatus(err) == -1, "nginx must end the idle connection without a close frame, got %v", err)
	assert(t, idle > 500*time.Millisecond && idle < 5*time.Second, "cut after %v, want about 1s", idle)
}
