//go:build !js

package wsbeat_test

// Native tests of Options.Reliable: the engine on coder/websocket against
// reliable.Server in process, through a proxy that drops, silences and
// refuses connections.

import (
	"context"
	"errors"
	"fmt"
	"net"
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

// --- a proxy that breaks connections on demand ---

// faultProxy forwards TCP connections to a target and can drop them all,
// silence them (a half-open connection: bytes are read and thrown away in
// both directions, nothing is closed), or refuse new ones.
type faultProxy struct {
	ln     net.Listener
	target atomic.Pointer[string]
	refuse atomic.Bool

	mu    sync.Mutex
	pairs map[*proxyPair]struct{}
	wg    sync.WaitGroup
}

type proxyPair struct {
	client, server net.Conn
	silent         atomic.Bool
}

func (p *proxyPair) close() {
	p.client.Close()
	p.server.Close()
}

func newFaultProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, "proxy listen", err)
	p := &faultProxy{ln: ln, pairs: make(map[*proxyPair]struct{})}
	p.setTarget(target)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
		p.wg.Wait()
	})
	return p
}

// url returns the ws: URL of path through the proxy.
func (p *faultProxy) url(path string) string { return "ws://" + p.ln.Addr().String() + path }

// setTarget sets where new connections go: host:port or an http:// URL.
func (p *faultProxy) setTarget(target string) {
	target = strings.TrimPrefix(target, "http://")
	p.target.Store(&target)
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", *p.target.Load())
		if err != nil {
			c.Close()
			continue
		}
		pair := &proxyPair{client: c, server: s}
		p.mu.Lock()
		p.pairs[pair] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pair, c, s)
		go p.pipe(pair, s, c)
	}
}

func (p *faultProxy) pipe(pair *proxyPair, from, to net.Conn) {
	defer p.wg.Done()
	defer func() {
		pair.close()
		p.mu.Lock()
		delete(p.pairs, pair)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !pair.silent.Load() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drop closes every connection at once, without a close frame.
func (p *faultProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pair := range p.pairs {
		pair.close()
	}
}

// silence turns every current connection into a black hole.
func (p *faultProxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pair := range p.pairs {
		pair.silent.Store(true)
	}
}

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

// faults drops the proxy's connections three times, silences them once
// (only the heartbeat can find that) and refuses connections for a while,
// spread over the run.
func faults(p *faultProxy) {
	step := func(d time.Duration) { time.Sleep(d) }
	step(400 * time.Millisecond)
	p.drop()
	step(500 * time.Millisecond)
	p.silence()
	step(1200 * time.Millisecond)
	p.refuse.Store(true)
	p.drop()
	step(600 * time.Millisecond)
	p.refuse.Store(false)
	step(500 * time.Millisecond)
	p.drop()
	step(400 * time.Millisecond)
	p.drop()
}

// runProof sends proofCount numbered messages each way through p while
// faults run, and returns what each application received, waiting up to
// settle after the run for messages still on their way.
func runProof(t *testing.T, url string, o *wsbeat.Options, p *faultProxy, serverGot *numbered, settle time.Duration) (serverSaw, clientSaw []string, rec *recorder, sock *wsbeat.Socket) {
	clientGot := newNumbered()
	rec = newRecorder()
	o.OnEvent = func(e wsbeat.Event) {
		if e.Type == wsbeat.EventMessage {
			if s, ok := e.Message.Data.(string); ok && strings.HasPrefix(s, "s") {
				clientGot.add(s)
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
	cur := 0
	awaitOpen(t, rec, &cur)

	var sendErrs atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		numberedWriter("c", proofCount, proofPace, func(m string) error {
			if _, err := sock.SendText(m); err != nil {
				sendErrs.Add(1)
				t.Errorf("SendText(%q): %v", m, err)
			}
			return nil
		})
	}()
	go func() {
		defer wg.Done()
		faults(p)
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
	if opens < 5 || heartbeatTimeouts < 1 || lost != 0 {
		t.Errorf("%d opens (want 5 or more: 4 drops and a silence), %d heartbeat timeouts (want the silence found), %d drop or sessionlost events (want none)\n%s",
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

var _ = wire.Subprotocol
