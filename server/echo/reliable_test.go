//go:build !js

package echo_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/reliable/reliabletest"
	"github.com/wsbeat/wsbeat/reliable/wire"
	"github.com/wsbeat/wsbeat/server/echo"
	"github.com/wsbeat/wsbeat/server/internal/assert"
)

// reliableClient connects a wsbeat.reliable.v1 client to /echo?tag=tag
// and waits for its first welcome.
func reliableClient(t *testing.T, ctx context.Context, ts *httptest.Server, tag string) *reliabletest.Client {
	t.Helper()
	url := wsURL(ts, "/echo?tag="+tag)
	c := reliabletest.NewClient(func() string { return url }, &reliabletest.Options{
		Dial: &websocket.DialOptions{HTTPClient: ts.Client()},
	})
	t.Cleanup(c.Close)
	assert.Success(t, c.WaitWelcomes(ctx, 1))
	return c
}

// sendRange sends the texts from..to, in order.
func sendRange(t *testing.T, ctx context.Context, c *reliabletest.Client, from, to int) {
	t.Helper()
	for i := from; i <= to; i++ {
		assert.Success(t, c.Send(ctx, reliabletest.Message{Data: []byte(strconv.Itoa(i))}))
	}
}

func texts(from, to int) []string {
	out := []string{}
	for i := from; i <= to; i++ {
		out = append(out, strconv.Itoa(i))
	}
	return out
}

// Every fault of the control API hits a reliable client mid-stream; its
// messages are echoed once each, in order, and logged once each, in the
// same session; a plain client on the same server never notices.
func TestReliableEchoSurvivesFaults(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	plain := dial(t, ctx, ts, "/echo?tag=p", nil)
	rc := reliableClient(t, ctx, ts, "r")
	assert.Equal(t, "subprotocol of a plain client", "", plain.Subprotocol())

	// drop, with messages in flight.
	sendRange(t, ctx, rc, 1, 50)
	assert.Equal(t, "dropped", 1, post(t, ts, "/control/drop?tag=r"))
	assert.Success(t, rc.WaitWelcomes(ctx, 2))

	// silence: the client's heartbeat finds it; a push sent meanwhile
	// goes into the session's sequence and arrives after the reconnect.
	sendRange(t, ctx, rc, 51, 100)
	assert.True(t, "silence reached no connection", post(t, ts, "/control/silence?tag=r") >= 1)
	resp, body := requestBody(t, ts, http.MethodPost, "/control/send?tag=r", "pushed")
	assert.Equal(t, "send to a silenced session ("+body+")", `{"ok":true,"affected":1}`+"\n", body)
	assert.Equal(t, "status of send", http.StatusOK, resp.StatusCode)
	assert.Success(t, rc.WaitWelcomes(ctx, 3))

	// reject, then drop: the reconnects are refused until the window ends.
	sendRange(t, ctx, rc, 101, 150)
	post(t, ts, "/control/reject?tag=r&ms=60000")
	post(t, ts, "/control/drop?tag=r")
	eventually(t, "a refused reconnect", func() bool { return s.TagStats("r").Rejected >= 1 })
	post(t, ts, "/control/reject?tag=r&ms=0")
	assert.Success(t, rc.WaitWelcomes(ctx, 4))

	// close with a code.
	sendRange(t, ctx, rc, 151, 200)
	post(t, ts, "/control/close?tag=r&code=4001&reason=test")
	assert.Success(t, rc.WaitWelcomes(ctx, 5))

	sendRange(t, ctx, rc, 201, 210)
	assert.Success(t, rc.WaitReceived(ctx, 211))
	assert.Success(t, rc.WaitAcked(ctx))
	var echoes []string
	pushed := 0
	for _, m := range rc.Received() {
		assert.Equal(t, "binary", false, m.Binary)
		if string(m.Data) == "pushed" {
			pushed++
			continue
		}
		echoes = append(echoes, string(m.Data))
	}
	assert.Equal(t, "echoes", texts(1, 210), echoes)
	assert.Equal(t, "pushes received", 1, pushed)
	assert.Equal(t, "sessions", 1, len(rc.Sessions()))
	assert.Equal(t, "sessions lost", 0, len(rc.Lost()))
	assert.Equal(t, "message log of the reliable client", texts(1, 210), messagesOf(t, ts, "r"))
	st := s.TagStats("r")
	assert.Equal(t, "application messages received", int64(210), st.Received)
	assert.Equal(t, "application messages sent", int64(211), st.Sent)

	// The plain client, on the same server, still has its first
	// connection and its plain ping.
	_, got := roundTrip(t, ctx, plain, websocket.MessageText, "still here")
	assert.Equal(t, "plain echo", "still here", got)
	_, got = roundTrip(t, ctx, plain, websocket.MessageText, "ping")
	assert.Equal(t, "plain pong", "pong", got)
	assert.Equal(t, "plain log", []string{"still here"}, messagesOf(t, ts, "p"))
	assert.Equal(t, "plain accepted", int64(1), s.TagStats("p").Accepted)
}

// Faults, pushes and resets of one tag never reach another tag's reliable
// sessions; binary stays binary.
func TestReliableTagIsolation(t *testing.T) {
	ctx := testContext(t)
	s, ts := startServer(t, echo.Config{Control: true})
	a := reliableClient(t, ctx, ts, "a")
	b := reliableClient(t, ctx, ts, "b")

	assert.Success(t, a.Send(ctx, reliabletest.Message{Binary: true, Data: []byte{0, 1, 2}}))
	assert.Success(t, a.Send(ctx, reliabletest.Message{Data: []byte("a1")}))
	assert.Success(t, b.Send(ctx, reliabletest.Message{Data: []byte("b1")}))
	assert.Success(t, a.WaitReceived(ctx, 2))
	assert.Success(t, b.WaitReceived(ctx, 1))
	assert.Equal(t, "a's echoes", []reliabletest.Message{{Binary: true, Data: []byte{0, 1, 2}}, {Data: []byte("a1")}}, a.Received())

	assert.Equal(t, "dropped of a", 1, post(t, ts, "/control/drop?tag=a"))
	assert.Success(t, a.WaitWelcomes(ctx, 2))
	_, body := requestBody(t, ts, http.MethodPost, "/control/send?tag=b", "pushed")
	assert.Equal(t, "answer to a send to b", `{"ok":true,"affected":1}`+"\n", body)
	assert.Success(t, b.WaitReceived(ctx, 2))

	// reset a: a's session ends and its client starts a new one; b keeps
	// its session and its log.
	post(t, ts, "/control/reset?tag=a")
	assert.Success(t, a.WaitWelcomes(ctx, 3))
	assert.Equal(t, "a's sessions", 2, len(a.Sessions()))
	assert.Success(t, a.Send(ctx, reliabletest.Message{Data: []byte("a2")}))
	assert.Success(t, b.Send(ctx, reliabletest.Message{Data: []byte("b2")}))
	assert.Success(t, a.WaitReceived(ctx, 3))
	assert.Success(t, b.WaitReceived(ctx, 3))

	assert.Equal(t, "a's received", []reliabletest.Message{
		{Binary: true, Data: []byte{0, 1, 2}}, {Data: []byte("a1")}, {Data: []byte("a2")},
	}, a.Received())
	assert.Equal(t, "b's received", []reliabletest.Message{
		{Data: []byte("b1")}, {Data: []byte("pushed")}, {Data: []byte("b2")},
	}, b.Received())
	assert.Equal(t, "b's welcomes", 1, b.Welcomes())
	assert.Equal(t, "b's sessions", 1, len(b.Sessions()))
	assert.Equal(t, "a's log after its reset", []string{"a2"}, messagesOf(t, ts, "a"))
	assert.Equal(t, "b's log", []string{"b1", "b2"}, messagesOf(t, ts, "b"))
	assert.Equal(t, "b's stats", echo.Stats{Open: 1, Accepted: 1, Received: 2, Sent: 3}, s.TagStats("b"))
}

// A client that offers wsbeat.reliable.v1 among others gets it; with
// protocol=none it gets no subprotocol and a plain echo.
func TestReliableNegotiation(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true})
	c := dial(t, ctx, ts, "/echo", &websocket.DialOptions{Subprotocols: []string{"chat", wire.Subprotocol}})
	assert.Equal(t, "subprotocol", wire.Subprotocol, c.Subprotocol())
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("H")))
	_, p, err := c.Read(ctx)
	assert.Success(t, err)
	f, _, err := wire.Decode(false, p)
	assert.Success(t, err)
	assert.Equal(t, "answer to hello", wire.Welcome, f.Kind)
	// The protocol's ping is answered outside the sequence; a data
	// message "ping" is an application message like any other.
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("P0")))
	assert.Equal(t, "answer to a protocol ping", "Q0", readNonAck(t, ctx, c))
	assert.Success(t, c.Write(ctx, websocket.MessageText, []byte("1:ping")))
	assert.Equal(t, "echo of a data ping", "1:ping", readNonAck(t, ctx, c))
	assert.Equal(t, "log", []string{"ping"}, messages(t, ts))

	plain := dial(t, ctx, ts, "/echo?protocol=none", &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	assert.Equal(t, "subprotocol with protocol=none", "", plain.Subprotocol())
	_, got := roundTrip(t, ctx, plain, websocket.MessageText, "H")
	assert.Equal(t, "plain echo of H", "H", got)
}

// delay=MS holds a reliable session's echoes back; a drop while they are
// held back loses none and duplicates none.
func TestReliableDelay(t *testing.T) {
	ctx := testContext(t)
	_, ts := startServer(t, echo.Config{Control: true})
	url := wsURL(ts, "/echo?tag=d&delay=200")
	c := reliabletest.NewClient(func() string { return url }, nil)
	t.Cleanup(c.Close)
	assert.Success(t, c.WaitWelcomes(ctx, 1))
	sendRange(t, ctx, c, 1, 20)
	// Once the server has them all, drop: the echoes are most likely still
	// held back, and must come back once each either way.
	eventually(t, "the messages in the log", func() bool { return len(messagesOf(t, ts, "d")) == 20 })
	post(t, ts, "/control/drop?tag=d")
	sendRange(t, ctx, c, 21, 30)
	assert.Success(t, c.WaitReceived(ctx, 30))
	var got []string
	for _, m := range c.Received() {
		got = append(got, string(m.Data))
	}
	assert.Equal(t, "echoes", texts(1, 30), got)
	assert.Equal(t, "log", texts(1, 30), messagesOf(t, ts, "d"))
}

// readNonAck reads the next frame that is not an ack.
func readNonAck(t *testing.T, ctx context.Context, c *websocket.Conn) string {
	t.Helper()
	for {
		_, p, err := c.Read(ctx)
		assert.Success(t, err)
		if f, _, err := wire.Decode(false, p); err != nil || f.Kind != wire.Ack {
			return string(p)
		}
	}
}
