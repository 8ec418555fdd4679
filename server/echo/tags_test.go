//go:build !js

package echo_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

// Two test workers, each with its own tag, break their own connections
// without touching the other's.
func TestTagsIsolateFaults(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	a1 := dial(t, ctx, ts, "/echo?tag=a", nil)
	dial(t, ctx, ts, "/echo?tag=a", nil)
	b := dial(t, ctx, ts, "/echo?tag=b", nil)
	untagged := dial(t, ctx, ts, "/echo", nil)
	roundTrip(t, ctx, a1, websocket.MessageText, "from a")
	roundTrip(t, ctx, b, websocket.MessageText, "from b")
	roundTrip(t, ctx, untagged, websocket.MessageText, "from nobody")

	var st echo.Stats
	getJSON(t, ts, "/control/stats?tag=a", &st)
	assert.Equal(t, "stats of a", echo.Stats{Open: 2, Accepted: 2, Received: 1, Sent: 1}, st)
	getJSON(t, ts, "/control/stats?tag=b", &st)
	assert.Equal(t, "stats of b", echo.Stats{Open: 1, Accepted: 1, Received: 1, Sent: 1}, st)
	getJSON(t, ts, "/control/stats?tag=nobody", &st)
	assert.Equal(t, "stats of an unknown tag", echo.Stats{}, st)
	assert.Equal(t, "stats of all", echo.Stats{Open: 4, Accepted: 4, Received: 3, Sent: 3}, s.Stats())
	assert.Equal(t, "messages of a", []string{"from a"}, messagesOf(t, ts, "a"))
	assert.Equal(t, "messages of all", []string{"from a", "from b", "from nobody"}, messages(t, ts))

	// silence a: b and the untagged connection still echo.
	assert.Equal(t, "silenced of a", 2, post(t, ts, "/control/silence?tag=a"))
	_, got := roundTrip(t, ctx, b, websocket.MessageText, "b after silence of a")
	assert.Equal(t, "echo on b", "b after silence of a", got)
	_, got = roundTrip(t, ctx, untagged, websocket.MessageText, "untagged after silence of a")
	assert.Equal(t, "echo untagged", "untagged after silence of a", got)

	// close b: only b.
	bRead := readAsync(ctx, b)
	assert.Equal(t, "closed of b", 1, post(t, ts, "/control/close?tag=b&code=4002&reason=b"))
	r := <-bRead
	assert.Equal(t, "close status of b", websocket.StatusCode(4002), websocket.CloseStatus(r.err))

	// drop a: a's two, not the untagged one.
	assert.Equal(t, "dropped of a", 2, post(t, ts, "/control/drop?tag=a"))
	waitOpen(t, ts, "a", 0)
	waitOpen(t, ts, "b", 0)
	_, got = roundTrip(t, ctx, untagged, websocket.MessageText, "untagged still here")
	assert.Equal(t, "echo untagged after drop of a", "untagged still here", got)

	// reject a: a's upgrades are refused, b's and untagged ones are not.
	post(t, ts, "/control/reject?tag=a&ms=60000&status=403")
	status, _ := refusedStatus(t, ctx, ts, "/echo?tag=a", nil)
	assert.Equal(t, "status of a's upgrade", http.StatusForbidden, status)
	dial(t, ctx, ts, "/echo?tag=b", nil)
	dial(t, ctx, ts, "/echo", nil)
	getJSON(t, ts, "/control/stats?tag=a", &st)
	assert.Equal(t, "rejected of a", int64(1), st.Rejected)
	getJSON(t, ts, "/control/stats?tag=b", &st)
	assert.Equal(t, "rejected of b", int64(0), st.Rejected)

	// reset a: a's window, counters and messages; b keeps its own.
	post(t, ts, "/control/reset?tag=a")
	dial(t, ctx, ts, "/echo?tag=a", nil)
	getJSON(t, ts, "/control/stats?tag=a", &st)
	assert.Equal(t, "stats of a after reset", echo.Stats{Open: 1, Accepted: 1}, st)
	assert.Equal(t, "messages of a after reset", []string{}, messagesOf(t, ts, "a"))
	assert.Equal(t, "messages of b after reset of a", []string{"from b", "b after silence of a"}, messagesOf(t, ts, "b"))

	// A reject without tag applies to every upgrade.
	post(t, ts, "/control/reject?ms=60000")
	refusedStatus(t, ctx, ts, "/echo?tag=b", nil)
	post(t, ts, "/control/reset")
	getJSON(t, ts, "/control/stats?tag=b", &st)
	assert.Equal(t, "stats of b after a full reset", echo.Stats{Open: 1}, st)
}

func TestSendToTag(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true, ReadLimit: 16})
	a := dial(t, ctx, ts, "/echo?tag=a", nil)
	b := dial(t, ctx, ts, "/echo?tag=b", nil)
	bRead := readAsync(ctx, b)

	resp, body := requestBody(t, ts, http.MethodPost, "/control/send?tag=a", "pushed")
	assert.Equal(t, "status of send ("+body+")", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "answer", `{"ok":true,"affected":1}`+"\n", body)
	typ, p, err := a.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "pushed message", "pushed", string(p))
	assert.Equal(t, "type", websocket.MessageText, typ)

	resp, _ = requestBody(t, ts, http.MethodPost, "/control/send?tag=a&binary=1", "\x00\xff")
	assert.Equal(t, "status of a binary send", http.StatusOK, resp.StatusCode)
	typ, p, err = a.Read(ctx)
	assert.Success(t, err)
	assert.Equal(t, "binary message", "\x00\xff", string(p))
	assert.Equal(t, "type", websocket.MessageBinary, typ)

	select {
	case r := <-bRead:
		t.Fatalf("b got a message sent to a: %q, %v", r.msg, r.err)
	case <-time.After(200 * time.Millisecond):
	}

	resp, body = requestBody(t, ts, http.MethodPost, "/control/send?tag=a", "\xff")
	assert.Equal(t, "status of invalid UTF-8 as text ("+body+")", http.StatusBadRequest, resp.StatusCode)
	resp, body = requestBody(t, ts, http.MethodPost, "/control/send?tag=a", strings.Repeat("x", 17))
	assert.Equal(t, "status of a message over the read limit ("+body+")", http.StatusRequestEntityTooLarge, resp.StatusCode)
	resp, body = requestBody(t, ts, http.MethodPost, "/control/send?tag=nobody", "x")
	assert.Equal(t, "answer for a tag without connections", `{"ok":true,"affected":0}`+"\n", body)
}

func TestWait(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true})

	waited := make(chan string, 1)
	go func() {
		resp, body := requestNoFail(ts, http.MethodGet, "/control/wait?tag=w&open=2&timeout=10000")
		waited <- resp + " " + body
	}()
	dial(t, ctx, ts, "/echo?tag=w", nil)
	select {
	case got := <-waited:
		t.Fatalf("wait answered with one connection open: %s", got)
	case <-time.After(100 * time.Millisecond):
	}
	dial(t, ctx, ts, "/echo?tag=w", nil)
	assert.Equal(t, "wait", `200 {"ok":true,"open":2}`+"\n", <-waited)

	resp, body := request(t, ts, http.MethodGet, "/control/wait?tag=w&open=3&timeout=50", nil)
	assert.Equal(t, "status of a wait that times out", http.StatusRequestTimeout, resp.StatusCode)
	var res struct {
		OK    bool
		Open  int
		Error string
	}
	assert.Success(t, json.Unmarshal([]byte(body), &res))
	assert.Equal(t, "open in the timeout answer", 2, res.Open)
	assert.Contains(t, "error", res.Error, "timed out")

	post(t, ts, "/control/drop?tag=w")
	waitOpen(t, ts, "w", 0)
	waitOpen(t, ts, "", 0)
}

func TestControlCORS(t *testing.T) {
	_, ts := startServer(t, echo.Config{Control: true, OriginPatterns: []string{"localhost:5173"}})
	allowed := http.Header{"Origin": {"http://localhost:5173"}}

	resp, _ := request(t, ts, http.MethodOptions, "/control/drop?tag=x", http.Header{
		"Origin":                         {"http://localhost:5173"},
		"Access-Control-Request-Method":  {"POST"},
		"Access-Control-Request-Headers": {"authorization"},
	})
	assert.Equal(t, "status of a preflight", http.StatusNoContent, resp.StatusCode)
	assert.Equal(t, "Allow-Origin", "http://localhost:5173", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, "Allow-Methods", resp.Header.Get("Access-Control-Allow-Methods"), "POST")
	assert.Contains(t, "Allow-Headers", resp.Header.Get("Access-Control-Allow-Headers"), "Authorization")

	resp, _ = request(t, ts, http.MethodGet, "/control/stats", allowed)
	assert.Equal(t, "status", http.StatusOK, resp.StatusCode)
	assert.Equal(t, "Allow-Origin of a GET", "http://localhost:5173", resp.Header.Get("Access-Control-Allow-Origin"))
	assert.Equal(t, "Vary", "Origin", resp.Header.Get("Vary"))

	resp, _ = request(t, ts, http.MethodOptions, "/control/drop", http.Header{"Origin": {"http://evil.example"}})
	assert.Equal(t, "status of a foreign preflight", http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, "Allow-Origin for a foreign origin", "", resp.Header.Get("Access-Control-Allow-Origin"))

	resp, _ = request(t, ts, http.MethodGet, "/control/stats", nil)
	assert.Equal(t, "Allow-Origin without Origin", "", resp.Header.Get("Access-Control-Allow-Origin"))
}

// waitOpen waits through /control/wait until tag has n open connections.
func waitOpen(t *testing.T, ts *httptest.Server, tag string, n int) {
	t.Helper()
	resp, body := request(t, ts, http.MethodGet, "/control/wait?tag="+tag+"&open="+strconv.Itoa(n), nil)
	assert.Equal(t, "status of wait for "+strconv.Itoa(n)+" open of tag "+tag+" ("+body+")", http.StatusOK, resp.StatusCode)
}

// messagesOf fetches the message log of tag.
func messagesOf(t *testing.T, ts *httptest.Server, tag string) []string {
	t.Helper()
	var m []string
	getJSON(t, ts, "/control/messages?tag="+tag, &m)
	return m
}

// requestBody sends method path with body to ts and returns the answer.
func requestBody(t *testing.T, ts *httptest.Server, method, path, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
	assert.Success(t, err)
	resp, err := ts.Client().Do(req)
	assert.Success(t, err)
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	assert.Success(t, err)
	return resp, string(answer)
}

// requestNoFail sends method path to ts from any goroutine and returns the
// status code and body, or the error, as strings.
func requestNoFail(ts *httptest.Server, method, path string) (status, body string) {
	req, err := http.NewRequest(method, ts.URL+path, nil)
	if err != nil {
		return "error", err.Error()
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		return "error", err.Error()
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "error", err.Error()
	}
	return strconv.Itoa(resp.StatusCode), string(b)
}

func TestShutdownEndsWaits(t *testing.T) {
	s, ts := startServer(t, echo.Config{Control: true})
	waited := make(chan string, 1)
	go func() {
		status, body := requestNoFail(ts, http.MethodGet, "/control/wait?open=1&timeout=60000")
		waited <- status + " " + body
	}()
	eventually(t, "the wait to start", func() bool { return echo.WaitingForTest(s) == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	assert.Success(t, s.Shutdown(ctx))
	select {
	case got := <-waited:
		assert.Contains(t, "answer", got, "503 ")
	case <-time.After(5 * time.Second):
		t.Fatal("a wait outlived Shutdown")
	}
}
