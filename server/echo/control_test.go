//go:build !js

package echo_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

func TestControlIsOffByDefault(t *testing.T) {
	_, ts := startServer(t, echo.Config{})
	for _, r := range []struct{ method, path string }{
		{http.MethodPost, "/control/drop"},
		{http.MethodPost, "/control/silence"},
		{http.MethodGet, "/control/stats"},
		{http.MethodGet, "/control/messages"},
	} {
		resp, _ := request(t, ts, r.method, r.path, nil)
		assert.Equal(t, "status of "+r.method+" "+r.path, http.StatusNotFound, resp.StatusCode)
	}
}

func TestControlRequests(t *testing.T) {
	_, ts := startServer(t, echo.Config{Control: true, OriginPatterns: []string{"localhost:5173"}})

	resp, _ := request(t, ts, http.MethodGet, "/control/drop", nil)
	assert.Equal(t, "status of GET /control/drop", http.StatusMethodNotAllowed, resp.StatusCode)
	assert.Equal(t, "Allow", "POST", resp.Header.Get("Allow"))
	assert.Equal(t, "Cache-Control", "no-store", resp.Header.Get("Cache-Control"))

	resp, _ = request(t, ts, http.MethodPost, "/control/stats", nil)
	assert.Equal(t, "status of POST /control/stats", http.StatusMethodNotAllowed, resp.StatusCode)

	resp, _ = request(t, ts, http.MethodPost, "/control/nonsense", nil)
	assert.Equal(t, "status of an unknown endpoint", http.StatusNotFound, resp.StatusCode)

	resp, body := request(t, ts, http.MethodPost, "/control/drop", http.Header{"Origin": {"http://evil.example"}})
	assert.Equal(t, "status for a foreign origin", http.StatusForbidden, resp.StatusCode)
	assert.Contains(t, "body", body, "evil.example")
	assert.Equal(t, "Cache-Control", "no-store", resp.Header.Get("Cache-Control"))

	resp, body = request(t, ts, http.MethodPost, "/control/drop", http.Header{"Origin": {"http://localhost:5173"}})
	assert.Equal(t, "status for an allowed origin", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "body", `{"ok":true,"affected":0}`+"\n", body)
	assert.Equal(t, "Content-Type", "application/json", resp.Header.Get("Content-Type"))
	assert.Equal(t, "Cache-Control", "no-store", resp.Header.Get("Cache-Control"))
}

func TestSilence(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true, Keepalive: 200 * time.Millisecond})
	c := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "before")
	assert.Equal(t, "echo before silence", "before", got)

	assert.Equal(t, "silenced", 1, post(t, ts, "/control/silence"))
	assert.Equal(t, "silenced again", 0, post(t, ts, "/control/silence"))
	received := s.Stats().Received

	// No echo, no pong, and no keepalive either, though two are overdue.
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("after")))
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("ping")))
	reads := readAsync(ctx, c)
	select {
	case r := <-reads:
		t.Fatalf("silenced connection answered: %q, %v", r.msg, r.err)
	case <-time.After(500 * time.Millisecond):
	}

	// Not even a protocol-level pong comes back.
	pingCtx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	err := c.Ping(pingCtx)
	cancel()
	assert.Error(t, err)

	// A new connection is normal.
	fresh := dial(t, ctx, ts, "/echo", nil)
	_, got = roundTrip(t, ctx, fresh, websocket.MessageText, "fresh")
	assert.Equal(t, "echo on a fresh connection", "fresh", got)
	assert.Equal(t, "received", received+1, s.Stats().Received)

	// The server does not read, so the client's writes stall once the
	// socket buffers are full, long before a server that reads and
	// discards would stop them.
	chunk := make([]byte, 64<<10)
	written := 0
	for written < 256<<20 {
		wctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		err = c.Write(wctx, websocket.MessageBinary, chunk)
		cancel()
		if err != nil {
			break
		}
		written += len(chunk)
	}
	assert.Error(t, err)
	t.Logf("a silenced connection took %d KiB before writes stalled", written>>10)
	assert.Equal(t, "received after writing to silenced connections", received+1, s.Stats().Received)
	assert.Equal(t, "messages", []string{"before", "fresh"}, messages(t, ts))
}

func TestSilencedConnectionEndsWhenClientLeaves(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the server notices a silenced client leaving only on Linux")
	}
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	c := dial(t, ctx, ts, "/echo", nil)
	// Unread data must not hide the client's FIN.
	post(t, ts, "/control/silence")
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("unread")))
	assert.Equal(t, "open", 1, s.Stats().Open)

	c.CloseNow()
	eventually(t, "the silenced connection to end", func() bool { return s.Stats().Open == 0 })
}

func TestDrop(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	silenced := dial(t, ctx, ts, "/echo", nil)
	post(t, ts, "/control/silence")
	live := dial(t, ctx, ts, "/echo", nil)
	liveRead := readAsync(ctx, live)
	silencedRead := readAsync(ctx, silenced)

	assert.Equal(t, "dropped", 2, post(t, ts, "/control/drop"))
	for name, reads := range map[string]<-chan readResult{"live": liveRead, "silenced": silencedRead} {
		r := <-reads
		assert.Error(t, r.err)
		var ce websocket.CloseError
		assert.True(t, name+" connection got a close frame: "+r.err.Error(), !errors.As(r.err, &ce))
		assert.Equal(t, "close status of the "+name+" connection", websocket.StatusCode(-1), websocket.CloseStatus(r.err))
	}
	eventually(t, "connections to end", func() bool { return s.Stats().Open == 0 })

	c := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "after drop")
	assert.Equal(t, "echo after drop", "after drop", got)
}

func TestClose(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	silenced := dial(t, ctx, ts, "/echo", nil)
	post(t, ts, "/control/silence")
	c1 := dial(t, ctx, ts, "/echo", nil)
	c2 := dial(t, ctx, ts, "/echo", nil)
	reads := []<-chan readResult{readAsync(ctx, c1), readAsync(ctx, c2)}

	assert.Equal(t, "closed", 2, post(t, ts, "/control/close?code=4001&reason=bye%20now"))
	for _, ch := range reads {
		r := <-ch
		var ce websocket.CloseError
		assert.True(t, "client got a close frame: "+errString(r.err), errors.As(r.err, &ce))
		assert.Equal(t, "close frame", websocket.CloseError{Code: 4001, Reason: "bye now"}, ce)
	}
	eventually(t, "closed connections to end", func() bool { return s.Stats().Open == 1 })

	// The silenced connection stays silent.
	silencedRead := readAsync(ctx, silenced)
	select {
	case r := <-silencedRead:
		t.Fatalf("silenced connection got %q, %v", r.msg, r.err)
	case <-time.After(200 * time.Millisecond):
	}

	long := make([]byte, 124)
	for i := range long {
		long[i] = 'x'
	}
	for _, q := range []string{"", "code=abc", "code=999", "code=1005", "code=1006", "code=1015", "code=2000", "code=5000", "code=4000&reason=" + string(long), "code=4000&reason=%ff"} {
		resp, body := request(t, ts, http.MethodPost, "/control/close?"+q, nil)
		assert.Equal(t, "status for close?"+q, http.StatusBadRequest, resp.StatusCode)
		assert.Contains(t, "body for close?"+q, body, `"ok":false`)
	}
	assert.Equal(t, "normal closure with no reason", 0, post(t, ts, "/control/close?code=1000"))
}

func TestReject(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})

	post(t, ts, "/control/reject?ms=400")
	status, header := refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "status in the reject window", http.StatusServiceUnavailable, status)
	assert.Equal(t, "Retry-After", "1", header.Get("Retry-After"))
	assert.Equal(t, "rejected", int64(1), s.Stats().Rejected)

	eventually(t, "the reject window to end", func() bool {
		c, _, err := dialErr(ctx, ts, "/echo", nil)
		if err != nil {
			return false
		}
		c.CloseNow()
		return true
	})
	assert.Equal(t, "accepted", int64(1), s.Stats().Accepted)

	post(t, ts, "/control/reject?ms=60000&status=403")
	status, _ = refusedStatus(t, ctx, ts, "/echo", nil)
	assert.Equal(t, "chosen status", http.StatusForbidden, status)

	post(t, ts, "/control/reject?ms=0")
	c := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c, websocket.MessageText, "window over")
	assert.Equal(t, "echo", "window over", got)

	for _, q := range []string{"", "ms=x", "ms=-1", "ms=600001", "ms=10&status=200", "ms=10&status=600", "ms=10&status=abc"} {
		resp, _ := request(t, ts, http.MethodPost, "/control/reject?"+q, nil)
		assert.Equal(t, "status for reject?"+q, http.StatusBadRequest, resp.StatusCode)
	}
	assert.Equal(t, "a 10-minute window is allowed", 0, post(t, ts, "/control/reject?ms=600000"))
}

func TestStatsAndMessages(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true, MaxConns: 1})
	c := dial(t, ctx, ts, "/echo", nil)
	for _, m := range []string{"a", "b", "ping", "c"} {
		roundTrip(t, ctx, c, websocket.MessageText, m)
	}
	roundTrip(t, ctx, c, websocket.MessageBinary, "\x01\x02\x03")
	refusedStatus(t, ctx, ts, "/echo", nil)

	var st echo.Stats
	getJSON(t, ts, "/control/stats", &st)
	want := echo.Stats{Open: 1, Accepted: 1, Rejected: 1, Received: 5, Sent: 5}
	assert.Equal(t, "stats", want, st)
	assert.Equal(t, "Stats()", want, s.Stats())
	assert.Equal(t, "messages", []string{"a", "b", "c", "<binary 3 bytes>"}, messages(t, ts))
}

func TestMessagesKeepArrivalOrderAcrossConnections(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true})
	c1 := dial(t, ctx, ts, "/echo", nil)
	c2 := dial(t, ctx, ts, "/echo", nil)
	var want []string
	for i := range 20 {
		c := c1
		if i%2 == 1 {
			c = c2
		}
		m := strconv.Itoa(i)
		roundTrip(t, ctx, c, websocket.MessageText, m)
		want = append(want, m)
	}
	assert.Equal(t, "messages", want, messages(t, ts))
}

func TestReset(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	c := dial(t, ctx, ts, "/echo", nil)
	roundTrip(t, ctx, c, websocket.MessageText, "x")
	post(t, ts, "/control/reject?ms=60000")
	refusedStatus(t, ctx, ts, "/echo", nil)

	assert.Equal(t, "reset", 0, post(t, ts, "/control/reset"))
	assert.Equal(t, "stats after reset", echo.Stats{Open: 1}, s.Stats())
	assert.Equal(t, "messages after reset", []string{}, messages(t, ts))

	c2 := dial(t, ctx, ts, "/echo", nil)
	_, got := roundTrip(t, ctx, c2, websocket.MessageText, "y")
	assert.Equal(t, "echo after reset", "y", got)
	assert.Equal(t, "stats after more traffic", echo.Stats{Open: 2, Accepted: 1, Received: 1, Sent: 1}, s.Stats())
}

// messages fetches the message log.
func messages(t *testing.T, ts *httptest.Server) []string {
	t.Helper()
	var m []string
	getJSON(t, ts, "/control/messages", &m)
	return m
}
