package reliable

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/reliabletest"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

func dialRaw(t *testing.T, ctx context.Context, url string) *websocket.Conn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.CloseNow() })
	if ws.Subprotocol() != wire.Subprotocol {
		t.Fatalf("subprotocol %q", ws.Subprotocol())
	}
	return ws
}

func sendText(t *testing.T, ctx context.Context, ws *websocket.Conn, s string) {
	t.Helper()
	if err := ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

// readFrame reads the next frame, skipping acks.
func readFrame(t *testing.T, ctx context.Context, ws *websocket.Conn) (wire.Frame, string) {
	t.Helper()
	for {
		typ, b, err := ws.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		f, payload, err := wire.Decode(typ == websocket.MessageBinary, string(b))
		if err != nil {
			t.Fatalf("server sent %q: %v", b, err)
		}
		if f.Kind != wire.Ack {
			return f, payload
		}
	}
}

func hello(t *testing.T, ctx context.Context, ws *websocket.Conn, f wire.Frame) wire.Frame {
	t.Helper()
	f.Kind = wire.Hello
	sendText(t, ctx, ws, wire.Control(f))
	w, _ := readFrame(t, ctx, ws)
	if w.Kind != wire.Welcome {
		t.Fatalf("answer to hello: %+v", w)
	}
	return w
}

func expectClose(t *testing.T, ctx context.Context, ws *websocket.Conn, code websocket.StatusCode, reason string) {
	t.Helper()
	for {
		_, b, err := ws.Read(ctx)
		if err == nil {
			if f, _, _ := wire.Decode(false, b); f.Kind == wire.Ack || f.Kind == wire.Welcome {
				continue
			}
			t.Fatalf("read %q; want close %d", b, code)
		}
		var ce websocket.CloseError
		if !errors.As(err, &ce) || ce.Code != code || !strings.Contains(ce.Reason, reason) {
			t.Fatalf("connection ended with %v; want close %d with a reason containing %q", err, code, reason)
		}
		return
	}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestSubprotocolRequired(t *testing.T) {
	srv := NewServer(nil, func(ctx context.Context, s *Session) { <-ctx.Done() })
	_, hs := startServer(t, srv)
	_, resp, err := websocket.Dial(testContext(t), wsURL(hs.URL), nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("dial without the subprotocol: %v, %v; want 400", resp, err)
	}
}

func TestProtocolErrorsClose1002(t *testing.T) {
	srv := NewServer(nil, func(ctx context.Context, s *Session) { <-ctx.Done() })
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	for _, tt := range []struct {
		name   string
		hello  bool     // send a valid hello first
		frames []string // then these
		reason string
	}{
		{"plain text instead of hello", false, []string{"hello"}, "unknown control frame"},
		{"data before hello", false, []string{"1:x"}, "data before hello"},
		{"ack before hello", false, []string{"A0"}, "ack before hello"},
		{"garbage", true, []string{"\x00\x01"}, "protocol error"},
		{"gap in the sequence", true, []string{"1:a", "3:c"}, "message 3 after 1"},
		{"ack of what was never sent", true, []string{"A5"}, "ack of 5"},
		{"a second hello", true, []string{"H"}, "hello from a client"},
		{"welcome from a client", true, []string{"Wabc:0"}, "welcome from a client"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ws := dialRaw(t, ctx, wsURL(hs.URL))
			if tt.hello {
				hello(t, ctx, ws, wire.Frame{})
			}
			for _, f := range tt.frames {
				sendText(t, ctx, ws, f)
			}
			expectClose(t, ctx, ws, wire.CodeProtocolError, tt.reason)
		})
	}
}

func TestResumeAheadOfServer(t *testing.T) {
	srv := NewServer(nil, func(ctx context.Context, s *Session) { <-ctx.Done() })
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	w := hello(t, ctx, ws, wire.Frame{})
	ws.Close(websocket.StatusNormalClosure, "")
	// The client claims it received message 3; the server sent none.
	ws = dialRaw(t, ctx, wsURL(hs.URL))
	sendText(t, ctx, ws, wire.Control(wire.Frame{Kind: wire.Hello, Session: w.Session, Seq: 3}))
	expectClose(t, ctx, ws, wire.CodeProtocolError, "ack of 3")
}

func TestPeerOverflowCloses1008(t *testing.T) {
	srv := NewServer(&Options{Limits: wire.Limits{Messages: 3}}, func(ctx context.Context, s *Session) { <-ctx.Done() })
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	hello(t, ctx, ws, wire.Frame{})
	// The application reads nothing, so nothing is acknowledged.
	for _, f := range []string{"1:a", "2:b", "3:c", "4:d"} {
		sendText(t, ctx, ws, f)
	}
	expectClose(t, ctx, ws, wire.CodePolicyViolation, "receive limit")
}

// TestWriteWaitsForRoom: Write holds at most Limits unacknowledged and
// waits for the client's ack, not losing the message it could not take.
func TestWriteWaitsForRoom(t *testing.T) {
	wrote := make(chan error, 4)
	srv := NewServer(&Options{Limits: wire.Limits{Messages: 2}}, func(ctx context.Context, s *Session) {
		for i := 1; i <= 3; i++ {
			wctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
			err := s.Write(wctx, numbered(i))
			cancel()
			wrote <- err
			if err != nil {
				// Retry without a deadline: the ack makes room.
				wrote <- s.Write(ctx, numbered(i))
			}
		}
		<-ctx.Done()
	})
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	hello(t, ctx, ws, wire.Frame{})
	for i := 1; i <= 2; i++ {
		if err := <-wrote; err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if err := <-wrote; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third write with 2 unacknowledged: %v; want a deadline", err)
	}
	sendText(t, ctx, ws, "A1")
	if err := <-wrote; err != nil {
		t.Fatalf("third write after the ack: %v", err)
	}
	for i := 1; i <= 3; i++ {
		f, payload := readFrame(t, ctx, ws)
		if f.Kind != wire.Data || f.Seq != int64(i) || payload != string(numbered(i).Data) || f.Binary != numbered(i).Binary {
			t.Fatalf("frame %d: %+v %q", i, f, payload)
		}
	}
}

// TestReplayAfterResume: what the client did not acknowledge is sent again
// after it resumes, from its resume point, and the client's replays of
// what the server has are discarded.
func TestReplayAfterResume(t *testing.T) {
	rec := newRecorder(3)
	srv := NewServer(nil, rec.handle)
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	w := hello(t, ctx, ws, wire.Frame{})
	for i := 1; i <= 3; i++ {
		if f, _ := readFrame(t, ctx, ws); f.Seq != int64(i) {
			t.Fatalf("frame %d: %+v", i, f)
		}
	}
	sendText(t, ctx, ws, "1:x")
	ws.CloseNow()
	for len(rec.got()) < 1 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	// The client got 1 only; it sends 1 again (its ack was lost) and 2.
	ws = dialRaw(t, ctx, wsURL(hs.URL))
	w2 := hello(t, ctx, ws, wire.Frame{Session: w.Session, Seq: 1})
	if w2.Session != w.Session || w2.Seq != 1 {
		t.Fatalf("welcome on resume %+v; want session %s at 1", w2, w.Session)
	}
	for i := 2; i <= 3; i++ {
		if f, p := readFrame(t, ctx, ws); f.Seq != int64(i) || p != string(numbered(i).Data) {
			t.Fatalf("replayed frame %+v %q; want %d", f, p, i)
		}
	}
	sendText(t, ctx, ws, "1:x")
	sendText(t, ctx, ws, "2:y")
	for len(rec.got()) < 2 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(20 * time.Millisecond) // a duplicate would arrive now
	if got := rec.got(); len(got) != 2 || string(got[0].Data) != "x" || string(got[1].Data) != "y" {
		t.Fatalf("the application read %v", got)
	}
}

// TestSessionExpired: a client that stays away longer than the TTL finds
// a new session; the old one's handler sees ErrSessionExpired.
func TestSessionExpired(t *testing.T) {
	rec := newRecorder(0)
	store := NewMemoryStore()
	srv := NewServer(&Options{TTL: 100 * time.Millisecond, Store: store}, rec.handle)
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	w := hello(t, ctx, ws, wire.Frame{})
	ws.CloseNow()
	select {
	case <-rec.done:
	case <-ctx.Done():
		t.Fatal("the handler did not end")
	}
	rec.mu.Lock()
	ended := rec.ended
	rec.mu.Unlock()
	if len(ended) != 1 || !errors.Is(ended[0], ErrSessionExpired) {
		t.Fatalf("handler ended with %v; want ErrSessionExpired", ended)
	}
	if n := store.Len(); n != 0 {
		t.Fatalf("store holds %d sessions after expiry", n)
	}
	ws = dialRaw(t, ctx, wsURL(hs.URL))
	w2 := hello(t, ctx, ws, wire.Frame{Session: w.Session, Seq: 0})
	if w2.Session == w.Session || w2.Seq != 0 {
		t.Fatalf("welcome for an expired session: %+v; want a new session", w2)
	}
}

// TestServerRestarted: a server that lost its memory store gives the
// client a new session; the client reports the messages it could not see
// acknowledged, and the new session works.
func TestServerRestarted(t *testing.T) {
	blocked := make(chan struct{})
	srvA := NewServer(nil, func(ctx context.Context, s *Session) { <-ctx.Done() }) // reads nothing: nothing is acked
	_, hsA := startServer(t, srvA)
	url := make(chan string, 1)
	url <- wsURL(hsA.URL)
	current := func() string { u := <-url; url <- u; return u }
	c := newTestClient(t, current, wire.Limits{})
	ctx := testContext(t)
	for i := 1; i <= 3; i++ {
		send(ctx, c, numbered(i))
	}
	if err := c.Wait(ctx, func(s reliabletest.State) bool { return s.Welcomes == 1 && s.Sent == 3 }); err != nil {
		t.Fatal(err)
	}
	close(blocked)
	srvA.Close()
	hsA.CloseClientConnections()

	rec := newRecorder(0)
	srvB := NewServer(nil, rec.handle)
	_, hsB := startServer(t, srvB)
	<-url
	url <- wsURL(hsB.URL)
	if err := c.Wait(ctx, func(s reliabletest.State) bool { return len(s.Lost) == 1 }); err != nil {
		t.Fatal("the client never learnt that its session was lost")
	}
	lost, sessions := c.Lost()[0], c.Sessions()
	if len(lost) != 3 || lost[0].Seq != 1 || string(lost[2].Msg.Data) != "3" || len(sessions) != 2 || sessions[0] == sessions[1] {
		t.Fatalf("lost %v, sessions %v", lost, sessions)
	}
	send(ctx, c, numbered(1))
	for len(rec.got()) < 1 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	checkSequence(t, "new session", rec.got(), 1)
}

// TestByeEndsTheSession: a client's bye ends the session at once; the
// handler reads what came before it, then ErrClientClosed, and the store
// forgets the session.
func TestByeEndsTheSession(t *testing.T) {
	rec := newRecorder(0)
	store := NewMemoryStore()
	srv := NewServer(&Options{Store: store}, rec.handle)
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	hello(t, ctx, ws, wire.Frame{})
	sendText(t, ctx, ws, "1:1")
	sendText(t, ctx, ws, "B0")
	expectClose(t, ctx, ws, websocket.StatusNormalClosure, "closed by the client")
	<-rec.done
	rec.mu.Lock()
	ended := rec.ended
	rec.mu.Unlock()
	checkSequence(t, "application", rec.got(), 1)
	if len(ended) != 1 || !errors.Is(ended[0], ErrClientClosed) || store.Len() != 0 {
		t.Fatalf("ended with %v, %d sessions stored", ended, store.Len())
	}
}

func TestHelloTimeout(t *testing.T) {
	srv := NewServer(&Options{HelloTimeout: 50 * time.Millisecond}, func(ctx context.Context, s *Session) { <-ctx.Done() })
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	if _, _, err := ws.Read(ctx); err == nil {
		t.Fatal("a connection without a hello stayed open")
	}
}

// TestNewerConnectionReplacesOlder: a client that resumes while the server
// still holds its older connection (half-open, unnoticed) takes the
// session over; the older one is closed.
func TestNewerConnectionReplacesOlder(t *testing.T) {
	srv := NewServer(nil, func(ctx context.Context, s *Session) {
		s.Write(ctx, Message{Data: []byte("first")})
		<-ctx.Done()
	})
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	old := dialRaw(t, ctx, wsURL(hs.URL))
	w := hello(t, ctx, old, wire.Frame{})
	if f, p := readFrame(t, ctx, old); f.Seq != 1 || p != "first" {
		t.Fatalf("first frame %+v %q", f, p)
	}
	// The client never acked it: the newer connection gets it again.
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	if w2 := hello(t, ctx, ws, wire.Frame{Session: w.Session}); w2.Session != w.Session {
		t.Fatalf("welcome %+v", w2)
	}
	if f, p := readFrame(t, ctx, ws); f.Seq != 1 || p != "first" {
		t.Fatalf("replay %+v %q", f, p)
	}
	expectClose(t, ctx, old, websocket.StatusNormalClosure, "replaced by a newer connection")
}

// TestIdleConnectionClosed: a connection on which nothing arrives (a
// client gone without a FIN) is closed, and the session's TTL starts.
func TestIdleConnectionClosed(t *testing.T) {
	rec := newRecorder(0)
	srv := NewServer(&Options{IdleTimeout: 100 * time.Millisecond, TTL: 100 * time.Millisecond}, rec.handle)
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hs.URL))
	hello(t, ctx, ws, wire.Frame{})
	if _, _, err := ws.Read(ctx); err == nil {
		t.Fatal("an idle connection stayed open")
	}
	<-rec.done
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ended) != 1 || !errors.Is(rec.ended[0], ErrSessionExpired) {
		t.Fatalf("handler ended with %v; want ErrSessionExpired", rec.ended)
	}
}

// TestMaxSessions: a hello beyond MaxSessions is refused with 1013 before
// any welcome, a session already served always resumes, and a session
// that ends makes room.
func TestMaxSessions(t *testing.T) {
	ended := make(chan string, 3)
	srv := NewServer(&Options{MaxSessions: 2}, func(ctx context.Context, s *Session) {
		for {
			if _, err := s.Read(ctx); err != nil {
				ended <- s.ID()
				return
			}
		}
	})
	_, hs := startServer(t, srv)
	ctx := testContext(t)
	a := dialRaw(t, ctx, wsURL(hs.URL))
	wa := hello(t, ctx, a, wire.Frame{})
	b := dialRaw(t, ctx, wsURL(hs.URL))
	hello(t, ctx, b, wire.Frame{})

	c := dialRaw(t, ctx, wsURL(hs.URL))
	sendText(t, ctx, c, "H")
	expectClose(t, ctx, c, websocket.StatusTryAgainLater, "too many sessions (max 2)")
	// Resuming an unknown session would start a new one: refused too.
	c = dialRaw(t, ctx, wsURL(hs.URL))
	sendText(t, ctx, c, "Hgone:0")
	expectClose(t, ctx, c, websocket.StatusTryAgainLater, "too many sessions")

	// a's own session resumes at the cap.
	a.CloseNow()
	a = dialRaw(t, ctx, wsURL(hs.URL))
	if w := hello(t, ctx, a, wire.Frame{Session: wa.Session}); w.Session != wa.Session {
		t.Fatalf("resume at the cap: welcome %+v, want session %s", w, wa.Session)
	}

	// a ends its session: a new client finds room.
	sendText(t, ctx, a, "B0")
	expectClose(t, ctx, a, websocket.StatusNormalClosure, "closed by the client")
	if id := <-ended; id != wa.Session {
		t.Fatalf("ended %s, want %s", id, wa.Session)
	}
	c = dialRaw(t, ctx, wsURL(hs.URL))
	if w := hello(t, ctx, c, wire.Frame{}); w.Session == wa.Session || w.Seq != 0 {
		t.Fatalf("new session after one ended: welcome %+v", w)
	}
}

// TestMaxSessionsDefault: the zero value caps at DefaultMaxSessions and a
// negative value means no cap.
func TestMaxSessionsDefault(t *testing.T) {
	if got := (&Options{}).withDefaults().MaxSessions; got != DefaultMaxSessions {
		t.Fatalf("default MaxSessions %d, want %d", got, DefaultMaxSessions)
	}
	if got := (&Options{MaxSessions: -1}).withDefaults().MaxSessions; got != -1 {
		t.Fatalf("MaxSessions -1 became %d", got)
	}
}
