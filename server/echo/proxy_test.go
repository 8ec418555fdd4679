//go:build !js

package echo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

// backend is a team's real WebSocket server as the proxy sees it: it greets,
// answers "backend: " + message, closes with 4100 on "bye", and records
// what it got.
type backend struct {
	*httptest.Server
	mu       sync.Mutex
	queries  []string
	cookies  []string
	received []string
	closes   []websocket.StatusCode
	handlers sync.WaitGroup
}

func startBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{}
	b.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.handlers.Add(1)
		defer b.handlers.Done()
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"chat.v2"}})
		if err != nil {
			return
		}
		defer c.CloseNow()
		b.mu.Lock()
		b.queries = append(b.queries, r.URL.RawQuery)
		b.cookies = append(b.cookies, r.Header.Get("Cookie"))
		b.mu.Unlock()
		ctx := context.Background()
		c.Write(ctx, websocket.MessageText, []byte("hello from backend"))
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				b.mu.Lock()
				b.closes = append(b.closes, websocket.CloseStatus(err))
				b.mu.Unlock()
				return
			}
			b.mu.Lock()
			b.received = append(b.received, string(p))
			b.mu.Unlock()
			if string(p) == "bye" {
				c.Close(4100, "backend says bye")
				return
			}
			if typ == websocket.MessageText {
				p = append([]byte("backend: "), p...)
			}
			c.Write(ctx, typ, p)
		}
	}))
	t.Cleanup(func() {
		b.Close()
		b.handlers.Wait()
	})
	return b
}

func (b *backend) snapshot() (queries, received []string, closes []websocket.StatusCode) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.queries...), append([]string(nil), b.received...), append([]websocket.StatusCode(nil), b.closes...)
}

func TestProxyPassesMessagesBothWays(t *testing.T) {
	ctx := testContext(t)
	b := startBackend(t)
	s, ts := startServer(t, echo.Config{Control: true, Upstream: wsURL(b.Server, "/socket")})

	c, resp, err := dialErr(ctx, ts, "/echo?tag=p&room=7", &websocket.DialOptions{
		Subprotocols: []string{"chat.v1", "chat.v2"},
		HTTPHeader:   http.Header{"Cookie": {"session=abc"}},
	})
	assert.Success(t, err)
	defer c.CloseNow()
	assert.Equal(t, "subprotocol chosen by the backend", "chat.v2", resp.Header.Get("Sec-WebSocket-Protocol"))

	_, p, err := c.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "greeting", "hello from backend", string(p))
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "hi")
	assert.Equal(t, "answer", "backend: hi", got)
	// Pings are the backend's business: they pass through too.
	_, got = roundTrip(t, ctx, c, websocket.MessageText, "ping")
	assert.Equal(t, "ping answered by the backend", "backend: ping", got)
	typ, got := roundTrip(t, ctx, c, websocket.MessageBinary, "\x00\x01")
	assert.Equal(t, "binary answer", "\x00\x01", got)
	assert.Equal(t, "binary type", websocket.MessageBinary, typ)

	queries, received, _ := b.snapshot()
	assert.Equal(t, "query seen by the backend", []string{"room=7"}, queries)
	b.mu.Lock()
	assert.Equal(t, "cookie seen by the backend", []string{"session=abc"}, b.cookies)
	b.mu.Unlock()
	assert.Equal(t, "received by the backend", []string{"hi", "ping", "\x00\x01"}, received)
	assert.Equal(t, "message log", []string{"hi", "ping", "<binary 2 bytes>"}, messagesOf(t, ts, "p"))
	st := s.TagStats("p")
	assert.Equal(t, "stats", echo.Stats{Open: 1, Accepted: 1, Received: 3, Sent: 4}, st)

	// The server can push into a proxied connection.
	post(t, ts, "/control/send?tag=p")
	_, p, err = c.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "pushed (empty) message", "", string(p))

	// The backend's close status reaches the client.
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("bye")))
	_, _, err = c.Read(ctx)
	var ce websocket.CloseError
	assert.True(t, "a close frame: "+errString(err), errors.As(err, &ce))
	assert.Equal(t, "close from the backend", websocket.CloseError{Code: 4100, Reason: "backend says bye"}, ce)
	waitOpen(t, ts, "p", 0)
}

func TestProxyFaults(t *testing.T) {
	ctx := testContext(t)
	b := startBackend(t)
	_, ts := startServer(t, echo.Config{Control: true, Upstream: wsURL(b.Server, "/")})

	// silence: nothing reaches the backend, nothing comes back.
	c := dial(t, ctx, ts, "/echo?tag=s", nil)
	c.Read(ctx) // greeting
	assert.Equal(t, "silenced", 1, post(t, ts, "/control/silence?tag=s"))
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("into the void")))
	reads := readAsync(ctx, c)
	select {
	case r := <-reads:
		t.Fatalf("silenced proxied connection answered: %q, %v", r.msg, r.err)
	case <-time.After(300 * time.Millisecond):
	}
	_, received, _ := b.snapshot()
	assert.Equal(t, "received by the backend while silenced", []string(nil), received)

	// drop: the client sees no close frame; the backend sees the client go
	// away.
	assert.Equal(t, "dropped", 1, post(t, ts, "/control/drop?tag=s"))
	r := <-reads
	assert.Equal(t, "close status of a dropped connection", websocket.StatusCode(-1), websocket.CloseStatus(r.err))
	waitOpen(t, ts, "s", 0)
	eventually(t, "the backend to see the client go", func() bool {
		_, _, closes := b.snapshot()
		return len(closes) == 1 && closes[0] == websocket.StatusGoingAway
	})

	// close: the client gets the code, and the backend hears it too.
	c = dial(t, ctx, ts, "/echo?tag=c", nil)
	c.Read(ctx)
	reads = readAsync(ctx, c)
	post(t, ts, "/control/close?tag=c&code=4001&reason=test")
	r = <-reads
	assert.Equal(t, "close status", websocket.StatusCode(4001), websocket.CloseStatus(r.err))
	eventually(t, "the backend to hear 4001", func() bool {
		_, _, closes := b.snapshot()
		return len(closes) == 2 && closes[1] == 4001
	})

	// reject: the upgrade is refused before the backend is dialled.
	post(t, ts, "/control/reject?tag=r&ms=60000")
	status, _ := refusedStatus(t, ctx, ts, "/echo?tag=r", nil)
	assert.Equal(t, "status in the reject window", http.StatusServiceUnavailable, status)
	queries, _, _ := b.snapshot()
	assert.Equal(t, "backend connections", 2, len(queries))

	// delay: answers still arrive, held back.
	c = dial(t, ctx, ts, "/echo?tag=d&delay=50", nil)
	_, p, err := c.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "delayed greeting", "hello from backend", string(p))
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "slow")
	assert.Equal(t, "delayed answer", "backend: slow", got)
	queries, _, _ = b.snapshot()
	assert.True(t, "the delay parameter reached the backend: "+strings.Join(queries, ","), !strings.Contains(strings.Join(queries, ","), "delay"))
}

func TestProxyUpstreamDown(t *testing.T) {
	ctx := testContext(t)
	b := startBackend(t)
	up := wsURL(b.Server, "/")
	b.Close()
	_, ts := startServer(t, echo.Config{Control: true, Upstream: up})
	status, _ := refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "status when the backend is down", http.StatusBadGateway, status)
}
