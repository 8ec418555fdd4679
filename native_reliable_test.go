//go:build !js

package wsbeat_test

// Native tests of Options.Reliable: the engine on coder/websocket against
// reliable.Server in process, through a proxy that drops, silences and
// refuses connections.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/reliable"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// --- the applications at both ends ---

// numbered records numbered messages ("c1", "c2", ...) as they arrive.
type numbered struct {
	mu   sync.Mutex
	got  []string
	wake chan struct{}
}

func newNumbered() *numbered { return &numbered{wake: make(chan struct{}, 1)} }

func (n *numbered) add(s string) {
	n.mu.Lock()
	n.got = append(n.got, s)
	n.mu.Unlock()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

func (n *numbered) snapshot() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]string(nil), n.got...)
}

// waitFor waits up to limit until count messages arrived; false if not.
func (n *numbered) waitFor(count int, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		if len(n.snapshot()) >= count {
			return true
		}
		select {
		case <-n.wake:
		case <-deadline.C:
			return false
		}
	}
}

// checkExactly fails unless got is prefix1 … prefix<count>, once each, in
// order.
func checkExactly(t testing.TB, who string, got []string, prefix string, count int) {
	t.Helper()
	if len(got) != count {
		t.Errorf("%s received %d messages, want %d (%s)", who, len(got), count, summarize(got, prefix, count))
	}
	for i, s := range got {
		if want := prefix + strconv.Itoa(i+1); s != want {
			t.Errorf("%s: message #%d is %q, want %q (%s)", who, i+1, s, want, summarize(got, prefix, count))
			return
		}
	}
}

// summarize says how many distinct numbers of 1 … count got holds, and the
// duplicates.
func summarize(got []string, prefix string, count int) string {
	seen := make(map[string]int)
	for _, s := range got {
		seen[s]++
	}
	missing, dups := 0, 0
	for i := 1; i <= count; i++ {
		switch seen[prefix+strconv.Itoa(i)] {
		case 0:
			missing++
		case 1:
		default:
			dups++
		}
	}
	return fmt.Sprintf("%d of %d missing, %d duplicated", missing, count, dups)
}

// numberedWriter writes prefix1 … prefix<count>, one per pace, with write,
// and stops early when write fails with stop.
func numberedWriter(prefix string, count int, pace time.Duration, write func(string) error) {
	tick := time.NewTicker(pace)
	defer tick.Stop()
	for i := 1; i <= count; i++ {
		<-tick.C
		if err := write(prefix + strconv.Itoa(i)); err != nil {
			return
		}
	}
}

// reliableApp is a reliable.Server whose handler records what it reads
// and writes s1 … s<count> at a steady pace to the first session.
func reliableApp(t testing.TB, store reliable.Store, count int, pace time.Duration) (*reliable.Server, *numbered, *httptest.Server) {
	got := newNumbered()
	var writers sync.WaitGroup
	var started atomic.Bool
	srv := reliable.NewServer(&reliable.Options{Store: store, TTL: time.Minute}, func(ctx context.Context, s *reliable.Session) {
		if count > 0 && started.CompareAndSwap(false, true) {
			writers.Add(1)
			go func() {
				defer writers.Done()
				numberedWriter("s", count, pace, func(m string) error {
					return s.Write(ctx, reliable.Message{Data: []byte(m)})
				})
			}()
		}
		for {
			m, err := s.Read(ctx)
			if err != nil {
				return
			}
			got.add(string(m.Data))
		}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		srv.Close()
		writers.Wait()
		ts.Close()
	})
	return srv, got, ts
}

// plainApp is the same application without the protocol: every
// connection's messages are recorded, and s1 … s<count> are written at a
// steady pace on whichever connection is newest, each once.
func plainApp(t testing.TB, count int, pace time.Duration) (*numbered, *httptest.Server) {
	got := newNumbered()
	var (
		mu     sync.Mutex
		cur    *websocket.Conn
		wg     sync.WaitGroup
		ctx, c = context.WithCancel(context.Background())
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		numberedWriter("s", count, pace, func(m string) error {
			mu.Lock()
			ws := cur
			mu.Unlock()
			if ws != nil {
				wctx, cancel := context.WithTimeout(ctx, time.Second)
				ws.Write(wctx, websocket.MessageText, []byte(m)) // lost if the connection is
				cancel()
			}
			return ctx.Err()
		})
	}()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		mu.Lock()
		cur = ws
		mu.Unlock()
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				ws.CloseNow()
				return
			}
			switch s := string(data); {
			case s == "ping":
				ws.Write(ctx, websocket.MessageText, []byte("pong"))
			case strings.HasPrefix(s, "c"):
				got.add(s)
			}
		}
	}))
	t.Cleanup(func() {
		c()
		wg.Wait()
		ts.CloseClientConnections()
		ts.Close()
	})
	return got, ts
}

// reliableOptions are fastOptions with Reliable and a heartbeat quick
// enough to find a silent connection within the run.
func reliableOptions() *wsbeat.Options {
	o := fastOptions()
	o.Reliable = true
	o.HeartbeatInterval = 150 * time.Millisecond
	o.HeartbeatTimeout = 500 * time.Millisecond
	return o
}

// --- the proof ---

const (
	proofCount = 1000
	proofPace  = 4 * time.Millisecond
)

// faults drops the proxy's connections, silences them (only the heartbeat
// can find that), refuses connections for a while and drops them twice
// more, spread over the run. Each fault waits for the Socket to be open
// again after the one before (opened), so that each hits a connection; it
// returns false if the Socket did not reopen within wait.
func faults(p *faultProxy, opened <-chan struct{}) bool {
	reopened := func(pause time.Duration) bool {
		select {
		case <-opened:
		case <-time.After(wait):
			return false
		}
		time.Sleep(pause)
		return true
	}
	steps := []struct {
		pause time.Duration
		fault func()
	}{
		{400 * time.Millisecond, p.drop},
		{300 * time.Millisecond, p.silence},
		{300 * time.Millisecond, func() {
			p.refuse.Store(true)
			p.drop()
			time.Sleep(600 * time.Millisecond)
			p.refuse.Store(false)
		}},
		{300 * time.Millisecond, p.drop},
		{300 * time.Millisecond, p.drop},
	}
	for _, s := range steps {
		if !reopened(s.pause) {
			return false
		}
		s.fault()
	}
	return reopened(0)
}

// runProof sends proofCount numbered messages each way through p while
// faults run, and returns what each application received, waiting up to
// settle after the run for messages still on their way.
func runProof(t *testing.T, url string, o *wsbeat.Options, p *faultProxy, serverGot *numbered, settle time.Duration) (serverSaw, clientSaw []string, rec *recorder, sock *wsbeat.Socket) {
	clientGot := newNumbered()
	rec = newRecorder()
	opened := make(chan struct{}, 16)
	o.OnEvent = func(e wsbeat.Event) {
		switch e.Type {
		case wsbeat.EventMessage:
			if s, ok := e.Message.Data.(string); ok && strings.HasPrefix(s, "s") {
				clientGot.add(s)
			}
		case wsbeat.EventOpen:
			select {
			case opened <- struct{}{}:
			default: // more opens than faults: a busy machine's false timeouts
			}
		}
		rec.onEvent(e)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	o.Transport = &wsbeat.NativeTransport{HTTPClient: &http.Client{Transport: tr}}
	sock, err := wsbeat.New(url, o)
	noErr(t, "wsbeat.New", err)
	t.Cleanup(func() { closeAndWait(t, sock) })
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		numberedWriter("c", proofCount, proofPace, func(m string) error {
			if _, err := sock.SendText(m); err != nil {
				t.Errorf("SendText(%q): %v", m, err)
			}
			return nil
		})
	}()
	go func() {
		defer wg.Done()
		if !faults(p, opened) {
			t.Errorf("the Socket did not reopen within %v after a fault", wait)
		}
	}()
	wg.Wait()
	serverGot.waitFor(proofCount, settle)
	clientGot.waitFor(proofCount, settle)
	return serverGot.snapshot(), clientGot.snapshot(), rec, sock
}

// TestReliableProof: 1 000 numbered messages each way at a steady pace
// while the connection is dropped, silenced and refused: each application
// receives exactly 1 … 1 000, once each, in order.
func TestReliableProof(t *testing.T) {
	_, serverGot, ts := reliableApp(t, nil, proofCount, proofPace)
	p := newFaultProxy(t, ts.URL)
	o := reliableOptions()
	serverSaw, clientSaw, rec, sock := runProof(t, p.url("/"), o, p, serverGot, 30*time.Second)
	checkExactly(t, "server application", serverSaw, "c", proofCount)
	checkExactly(t, "client", clientSaw, "s", proofCount)

	var opens, heartbeatTimeouts, lost int
	for _, e := range rec.since(0) {
		switch {
		case e.Type == wsbeat.EventOpen:
			opens++
		case e.Type == wsbeat.EventError && errors.Is(e.Err, wsbeat.ErrHeartbeatTimeout):
			heartbeatTimeouts++
		case e.Type == wsbeat.EventSessionLost || e.Type == wsbeat.EventDrop:
			lost++
		}
	}
	if opens < 6 || heartbeatTimeouts < 1 || lost != 0 {
		t.Errorf("%d opens (want 6 or more: the first, and after each of 5 faults), %d heartbeat timeouts (want the silence found), %d drop or sessionlost events (want none)\n%s",
			opens, heartbeatTimeouts, lost, rec.dump(0))
	}
	if n := sock.QueuedMessages(); n != 0 {
		// Everything was delivered, so every ack is due within the ack delay.
		deadline := time.Now().Add(wait)
		for sock.QueuedMessages() != 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		if n := sock.QueuedMessages(); n != 0 {
			t.Errorf("QueuedMessages = %d after everything was delivered", n)
		}
	}
	t.Logf("reliable: %d opens, %d heartbeat timeouts; server got %d, client got %d", opens, heartbeatTimeouts, len(serverSaw), len(clientSaw))
}

// TestReliableProofWithoutReliable is the same run without Reliable, against
// the same application speaking plain WebSocket: messages are lost. What a
// silent connection swallows is lost for sure: the client keeps writing to
// it until the heartbeat finds it (500ms, about 125 messages), and the
// server keeps writing to it too.
func TestReliableProofWithoutReliable(t *testing.T) {
	serverGot, ts := plainApp(t, proofCount, proofPace)
	p := newFaultProxy(t, ts.URL)
	o := reliableOptions()
	o.Reliable = false
	serverSaw, clientSaw, _, _ := runProof(t, p.url("/"), o, p, serverGot, 3*time.Second)
	if len(serverSaw) >= proofCount || len(clientSaw) >= proofCount {
		t.Errorf("without Reliable, server got %d and client %d of %d: no loss to prevent", len(serverSaw), len(clientSaw), proofCount)
	}
	t.Logf("without Reliable: server application got %s; client got %s",
		summarize(serverSaw, "c", proofCount), summarize(clientSaw, "s", proofCount))
}

// --- the edges ---

// echoApp is a reliable.Server that writes back every message it reads.
func echoApp(t testing.TB, opts *reliable.Options) (*reliable.Server, *httptest.Server) {
	srv := reliable.NewServer(opts, func(ctx context.Context, s *reliable.Session) {
		for {
			m, err := s.Read(ctx)
			if err != nil {
				return
			}
			if err := s.Write(ctx, m); err != nil {
				return
			}
		}
	})
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ts.CloseClientConnections()
		srv.Close()
		ts.Close()
	})
	return srv, ts
}

func texts(ms []wsbeat.Message) []string {
	var out []string
	for _, m := range ms {
		s, _ := m.Text()
		out = append(out, s)
	}
	return out
}

// awaitAcked waits until the server has acknowledged everything sent.
func awaitAcked(t testing.TB, s *wsbeat.Socket) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for s.QueuedMessages() != 0 || s.BufferedAmount() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d messages, %d bytes still unacknowledged after %v", s.QueuedMessages(), s.BufferedAmount(), wait)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestReliableEcho: text stays text and binary binary, the session id is
// the server's, and what awaits acknowledgement is counted until the acks.
func TestReliableEcho(t *testing.T) {
	_, ts := echoApp(t, nil)
	s, rec := connect(t, "ws"+strings.TrimPrefix(ts.URL, "http"), reliableOptions())
	cur := 0
	awaitOpen(t, rec, &cur)
	equal(t, "Protocol", s.Protocol(), wsbeat.Subprotocol)
	if id := s.Session(); !wire.ValidSession(id) {
		t.Fatalf("Session() = %q after open", id)
	}
	res, err := s.SendText("hello:world")
	noErr(t, "SendText", err)
	equal(t, "SendText result", res, wsbeat.Sent)
	_, err = s.SendBinary([]byte{0, 1, 2, ':', 255})
	noErr(t, "SendBinary", err)
	rec.await(t, &cur, wait, "the text echo", isText("hello:world"))
	e := rec.await(t, &cur, wait, "the binary echo", func(e wsbeat.Event) bool { return e.Type == wsbeat.EventMessage })
	b, ok := e.Message.Data.([]byte)
	if !e.Message.Binary || !ok || string(b) != "\x00\x01\x02:\xff" || e.Message.Size != 5 {
		t.Fatalf("binary echo = %+v", e.Message)
	}
	awaitAcked(t, s)
}

// TestReliableSessionExpired: the client cannot come back within the
// server's TTL; the server forgets the session, and the client reports the
// messages it had not seen acknowledged in sessionlost, before the open of
// the new session, in which they can be sent again.
func TestReliableSessionExpired(t *testing.T) {
	store := reliable.NewMemoryStore()
	_, ts := echoApp(t, &reliable.Options{Store: store, TTL: 100 * time.Millisecond})
	p := newFaultProxy(t, ts.URL)
	s, rec := connect(t, p.url("/"), reliableOptions())
	cur := 0
	awaitOpen(t, rec, &cur)
	old := s.Session()
	_, err := s.SendText("acked")
	noErr(t, "SendText", err)
	rec.await(t, &cur, wait, "the echo", isText("acked"))
	awaitAcked(t, s)

	p.refuse.Store(true)
	p.drop()
	for _, m := range []string{"a", "b", "c"} {
		res, err := s.SendText(m)
		noErr(t, "SendText while refused", err)
		if res != wsbeat.Queued && res != wsbeat.Sent {
			t.Fatalf("SendText(%q) = %v", m, res)
		}
	}
	equal(t, "QueuedMessages while refused", s.QueuedMessages(), 3)
	equal(t, "BufferedAmount while refused", s.BufferedAmount(), 3)
	deadline := time.Now().Add(wait)
	for store.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the server kept the session %v past its TTL", wait)
		}
		time.Sleep(10 * time.Millisecond)
	}
	p.refuse.Store(false)

	lost := rec.await(t, &cur, wait, "sessionlost", isType(wsbeat.EventSessionLost))
	equal(t, "lost session", lost.Session, old)
	equal(t, "unconfirmed", strings.Join(texts(lost.Unconfirmed), ","), "a,b,c")
	awaitOpen(t, rec, &cur)
	if id := s.Session(); id == old || !wire.ValidSession(id) {
		t.Fatalf("Session() = %q after the old %q was lost", id, old)
	}
	equal(t, "QueuedMessages after sessionlost", s.QueuedMessages(), 0)
	// Nothing of the old session arrives; the new one works.
	_, err = s.SendText("again")
	noErr(t, "SendText in the new session", err)
	rec.await(t, &cur, wait, "the echo in the new session", isText("again"))
	for _, e := range rec.since(0) {
		if s, ok := e.Message.Text(); e.Type == wsbeat.EventMessage && ok && (s == "a" || s == "b" || s == "c") {
			t.Errorf("message %q of the lost session was delivered", s)
		}
	}
}

// TestReliableServerRestart: a server restarted with a fresh memory store
// does not know the session; the client says so with the unconfirmed
// messages, then works in a new session.
func TestReliableServerRestart(t *testing.T) {
	_, first := echoApp(t, nil)
	p := newFaultProxy(t, first.URL)
	s, rec := connect(t, p.url("/"), reliableOptions())
	cur := 0
	awaitOpen(t, rec, &cur)
	old := s.Session()

	p.refuse.Store(true)
	p.drop()
	_, err := s.SendText("during the restart")
	noErr(t, "SendText", err)
	_, second := echoApp(t, nil)
	p.setTarget(second.URL)
	p.refuse.Store(false)

	lost := rec.await(t, &cur, wait, "sessionlost", isType(wsbeat.EventSessionLost))
	equal(t, "lost session", lost.Session, old)
	equal(t, "unconfirmed", strings.Join(texts(lost.Unconfirmed), ","), "during the restart")
	awaitOpen(t, rec, &cur)
	_, err = s.SendText("after")
	noErr(t, "SendText", err)
	rec.await(t, &cur, wait, "the echo from the new server", isText("after"))
}

// TestReliableResendFromSessionLost: the unconfirmed messages that the
// sessionlost handler sends again are delivered in the new session.
func TestReliableResendFromSessionLost(t *testing.T) {
	_, first := echoApp(t, nil)
	p := newFaultProxy(t, first.URL)
	o := reliableOptions()
	var sock atomic.Pointer[wsbeat.Socket]
	rec := newRecorder()
	o.OnEvent = func(e wsbeat.Event) {
		if e.Type == wsbeat.EventSessionLost {
			for _, m := range e.Unconfirmed {
				if _, err := sock.Load().Send(m); err != nil {
					t.Errorf("resend: %v", err)
				}
			}
		}
		rec.onEvent(e)
	}
	s, err := wsbeat.New(p.url("/"), o)
	noErr(t, "New", err)
	sock.Store(s)
	t.Cleanup(func() { closeAndWait(t, s) })
	cur := 0
	awaitOpen(t, rec, &cur)
	p.refuse.Store(true)
	p.drop()
	s.SendText("1")
	s.SendText("2")
	_, second := echoApp(t, nil)
	p.setTarget(second.URL)
	p.refuse.Store(false)
	rec.await(t, &cur, wait, "the echo of 1", isText("1"))
	rec.await(t, &cur, wait, "the echo of 2", isText("2"))
}

// TestReliableSubprotocolNotSelected: a server that does not select
// wsbeat.reliable.v1 fails the Socket with ErrReliableRefused, once: no
// fallback to plain messages, no retry, and the message that waited is
// reported dropped.
func TestReliableSubprotocolNotSelected(t *testing.T) {
	var attempts, received atomic.Int32
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		attempts.Add(1)
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			if _, _, err := ws.Read(r.Context()); err != nil {
				return
			}
			received.Add(1)
		}
	}))
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	o := reliableOptions()
	o.StartClosed = true
	s, rec := connect(t, "ws"+strings.TrimPrefix(ts.URL, "http"), o)
	_, err := s.SendText("waiting")
	noErr(t, "SendText", err)
	s.Reconnect(0, "")
	cur := 0
	e := rec.await(t, &cur, wait, "the error", isType(wsbeat.EventError))
	if !errors.Is(e.Err, wsbeat.ErrReliableRefused) || wsbeat.ErrorCode(e.Err) != "ERR_RELIABLE_REFUSED" ||
		!strings.Contains(e.Err.Error(), wire.Subprotocol) {
		t.Fatalf("error = %v (%s)", e.Err, wsbeat.ErrorCode(e.Err))
	}
	drop := rec.await(t, &cur, wait, "the drop", isType(wsbeat.EventDrop))
	equal(t, "dropped", strings.Join(texts(drop.Dropped), ","), "waiting")
	c := rec.await(t, &cur, wait, "the close", isType(wsbeat.EventClose))
	if c.WillReconnect || c.Close.Code != wire.CodeProtocolError {
		t.Fatalf("close = %s", describe(c.Event))
	}
	equal(t, "state", s.State(), wsbeat.StateClosed)
	equal(t, "attempts", attempts.Load(), int32(1))
	equal(t, "plain messages the server got", received.Load(), int32(0))
}

// TestReliableBufferFull: the replay buffer's limits make Send fail, taking
// nothing, and the server's acks make room again.
func TestReliableBufferFull(t *testing.T) {
	_, ts := echoApp(t, nil)
	o := reliableOptions()
	o.StartClosed = true
	o.MaxEnqueuedMessages = 3
	o.MaxEnqueuedBytes = 10
	s, rec := connect(t, "ws"+strings.TrimPrefix(ts.URL, "http"), o)
	for _, m := range []string{"1", "22", "333"} {
		res, err := s.SendText(m)
		noErr(t, "SendText", err)
		equal(t, "SendText result", res, wsbeat.Queued)
	}
	_, err := s.SendText("4")
	if !errors.Is(err, wsbeat.ErrQueueFull) || !errors.Is(err, wire.ErrBufferFull) || wsbeat.ErrorCode(err) != "ERR_QUEUE_FULL" {
		t.Fatalf("fourth message = %v", err)
	}
	_, err = s.SendText(strings.Repeat("x", 11))
	if !errors.Is(err, wsbeat.ErrQueueFull) || !errors.Is(err, wire.ErrTooLarge) {
		t.Fatalf("a message above MaxEnqueuedBytes = %v", err)
	}
	equal(t, "QueuedMessages", s.QueuedMessages(), 3)
	equal(t, "QueuedBytes", s.QueuedBytes(), 6)
	equal(t, "BufferedAmount", s.BufferedAmount(), 6)
	s.Reconnect(0, "")
	cur := 0
	awaitOpen(t, rec, &cur)
	for _, m := range []string{"1", "22", "333"} {
		rec.await(t, &cur, wait, "the echo of "+m, isText(m))
	}
	awaitAcked(t, s)
	_, err = s.SendText("4")
	noErr(t, "SendText after the acks", err)
	rec.await(t, &cur, wait, "the echo of 4", isText("4"))
}

// TestReliableOptions: options that cannot work with Reliable fail at New.
func TestReliableOptions(t *testing.T) {
	for name, o := range map[string]wsbeat.Options{
		"Protocols":           {Reliable: true, Protocols: []string{"chat"}},
		"Overflow":            {Reliable: true, Overflow: wsbeat.DropNewest},
		"MaxEnqueuedMessages": {Reliable: true, MaxEnqueuedMessages: -1},
		"MaxEnqueuedBytes":    {Reliable: true, MaxEnqueuedBytes: -1},
	} {
		o.StartClosed = true
		_, err := wsbeat.New("ws://127.0.0.1:1/", &o)
		if !errors.Is(err, wsbeat.ErrInvalidOption) || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: New = %v", name, err)
		}
	}
	s, err := wsbeat.New("ws://127.0.0.1:1/", &wsbeat.Options{Reliable: true, StartClosed: true, Overflow: wsbeat.OverflowError})
	noErr(t, "New with OverflowError", err)
	s.Close(0, "")
}

// scriptedServer accepts wsbeat.reliable.v1, reads the hello and writes
// frames, then reads until the client goes.
func scriptedServer(t testing.TB, frames ...string) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{wire.Subprotocol}})
		if err != nil {
			return
		}
		defer ws.CloseNow()
		if _, _, err := ws.Read(r.Context()); err != nil {
			return
		}
		for _, f := range frames {
			if err := ws.Write(r.Context(), websocket.MessageText, []byte(f)); err != nil {
				return
			}
		}
		for {
			if _, _, err := ws.Read(r.Context()); err != nil {
				return
			}
		}
	}))
	t.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

// TestReliableProtocolErrors: a server that breaks the protocol ends the
// connection with 1002 and an ErrProtocol error,
// which DefaultShouldReconnect does not retry; nothing that broke it is
// delivered.
func TestReliableProtocolErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		frames []string
		code   int
	}{
		{"data before the welcome", []string{"1:x"}, 1002},
		{"plain text", []string{"Ws:0", "hello"}, 1002},
		{"a gap", []string{"Ws:0", "1:a", "3:c"}, 1002},
		{"an ack of what was never sent", []string{"Ws:0", "A1"}, 1002},
		{"a second welcome", []string{"Ws:0", "Ws:0"}, 1002},
		{"a hello from the server", []string{"Ws:0", "H"}, 1002},
		{"a new session's welcome that claims messages", []string{"Ws:5"}, 1002},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, rec := connect(t, scriptedServer(t, tt.frames...), reliableOptions())
			cur := 0
			e := rec.await(t, &cur, wait, "the error", isType(wsbeat.EventError))
			if !errors.Is(e.Err, wsbeat.ErrProtocol) || !errors.Is(e.Err, wire.ErrProtocol) || wsbeat.ErrorCode(e.Err) != "ERR_PROTOCOL" {
				t.Fatalf("error = %v (%s)", e.Err, wsbeat.ErrorCode(e.Err))
			}
			c := rec.await(t, &cur, wait, "the close", isType(wsbeat.EventClose))
			if c.WillReconnect || c.Close.Code != tt.code {
				t.Fatalf("close = %s", describe(c.Event))
			}
			equal(t, "state", s.State(), wsbeat.StateClosed)
			for _, e := range rec.since(0) {
				if s, ok := e.Message.Text(); e.Type == wsbeat.EventMessage && ok && s != "a" {
					t.Errorf("delivered %q", s)
				}
			}
		})
	}
}

// TestReliableDuplicatesDiscarded: a replay of what was delivered is not
// delivered again.
func TestReliableDuplicatesDiscarded(t *testing.T) {
	s, rec := connect(t, scriptedServer(t, "Ws:0", "1:a", "2:b", "1:a", "2:b", "3:c"), reliableOptions())
	cur := 0
	awaitOpen(t, rec, &cur)
	rec.await(t, &cur, wait, "c", isText("c"))
	var got []string
	for _, e := range rec.since(0) {
		if m, ok := e.Message.Text(); e.Type == wsbeat.EventMessage && ok {
			got = append(got, m)
		}
	}
	equal(t, "delivered", strings.Join(got, ","), "a,b,c")
	equal(t, "session", s.Session(), "s")
}

// TestReliableMovesToAnotherInstance: two servers share a store; the client
// reconnects to the other one, which claims the session: no sessionlost,
// and what was unacknowledged in either direction arrives once.
func TestReliableMovesToAnotherInstance(t *testing.T) {
	store := reliable.NewMemoryStore()
	_, first := echoApp(t, &reliable.Options{Store: store})
	_, second := echoApp(t, &reliable.Options{Store: store})
	p := newFaultProxy(t, first.URL)
	s, rec := connect(t, p.url("/"), reliableOptions())
	cur := 0
	awaitOpen(t, rec, &cur)
	id := s.Session()
	_, err := s.SendText("on the first")
	noErr(t, "SendText", err)
	rec.await(t, &cur, wait, "the first echo", isText("on the first"))

	p.refuse.Store(true)
	p.drop()
	_, err = s.SendText("on the second")
	noErr(t, "SendText", err)
	p.setTarget(second.URL)
	p.refuse.Store(false)
	awaitOpen(t, rec, &cur)
	rec.await(t, &cur, wait, "the second echo", isText("on the second"))
	equal(t, "Session after the move", s.Session(), id)
	var echoes []string
	for _, e := range rec.since(0) {
		if e.Type == wsbeat.EventSessionLost {
			t.Errorf("sessionlost on a move: %s", describe(e.Event))
		}
		if m, ok := e.Message.Text(); e.Type == wsbeat.EventMessage && ok {
			echoes = append(echoes, m)
		}
	}
	equal(t, "echoes", strings.Join(echoes, ","), "on the first,on the second")
}
