package reliable

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/reliable/reliabletest"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// numbered is message i of a run: text, or binary for every third, so
// that the test also checks that types survive.
func numbered(i int) Message {
	return Message{Binary: i%3 == 0, Data: []byte(strconv.Itoa(i))}
}

// checkSequence reports unless got is exactly numbered(1) ... numbered(n).
func checkSequence(t *testing.T, who string, got []Message, n int) {
	t.Helper()
	if len(got) != n {
		t.Errorf("%s received %d messages; want %d", who, len(got), n)
	}
	for i, m := range got {
		want := numbered(i + 1)
		if string(m.Data) != string(want.Data) || m.Binary != want.Binary {
			t.Fatalf("%s: message %d is %q (binary %v); want %q (binary %v)", who, i+1, m.Data, m.Binary, want.Data, want.Binary)
		}
	}
}

// recorder is an application handler that records what it reads and
// writes numbered(1..n) at the same time.
type recorder struct {
	n    int
	pace time.Duration // between writes

	mu       sync.Mutex
	received []Message
	sessions []*Session
	ended    []error
	done     chan struct{}
}

func newRecorder(n int) *recorder { return &recorder{n: n, done: make(chan struct{}, 16)} }

func (r *recorder) handle(ctx context.Context, s *Session) {
	r.mu.Lock()
	r.sessions = append(r.sessions, s)
	r.mu.Unlock()
	writeDone := make(chan struct{})
	go func() {
		defer close(writeDone)
		for i := 1; i <= r.n; i++ {
			if err := s.Write(ctx, numbered(i)); err != nil {
				return
			}
			if r.pace > 0 {
				time.Sleep(r.pace)
			}
		}
	}()
	for {
		m, err := s.Read(ctx)
		if err != nil {
			r.mu.Lock()
			r.ended = append(r.ended, err)
			r.mu.Unlock()
			break
		}
		r.mu.Lock()
		r.received = append(r.received, m)
		r.mu.Unlock()
	}
	<-writeDone
	r.done <- struct{}{}
}

func (r *recorder) got() []Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Message(nil), r.received...)
}

func startServer(t *testing.T, srv *Server) (*faultListener, *httptest.Server) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &faultListener{Listener: ln}
	hs := httptest.NewUnstartedServer(srv)
	hs.Listener = fl
	hs.Start()
	t.Cleanup(func() {
		srv.Close()
		hs.CloseClientConnections()
		hs.Close()
	})
	return fl, hs
}

// TestDeliveryAcrossFaults sends n numbered messages each way at a steady
// pace while the connection is dropped, silenced (half-open, found by the
// client's heartbeat) and refused for a while, and checks that each side's
// application receives 1 … n exactly once, in order, with their types.
func TestDeliveryAcrossFaults(t *testing.T) {
	const n = 1000
	rec := newRecorder(n)
	rec.pace = time.Millisecond
	srv := NewServer(&Options{Limits: wire.Limits{Messages: 200}}, rec.handle)
	fl, hs := startServer(t, srv)
	c := newTestClient(t, func() string { return wsURL(hs.URL) }, wire.Limits{Messages: 200})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	faultsDone := make(chan struct{})
	var atLastFault [2]int // what each side had received when the faults ended
	go func() {
		defer close(faultsDone)
		defer func() {
			atLastFault = [2]int{len(c.Received()), len(rec.got())}
		}()
		// step waits d, then for an open connection to hit.
		step := func(d time.Duration) bool {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return false
			}
			for ctx.Err() == nil {
				fl.mu.Lock()
				open := len(fl.conns) > 0
				fl.mu.Unlock()
				if open {
					return true
				}
				time.Sleep(2 * time.Millisecond)
			}
			return false
		}
		for i := 0; i < 3 && step(40*time.Millisecond); i++ {
			fl.drop()
		}
		if !step(40 * time.Millisecond) {
			return
		}
		fl.silence()
		if !step(600 * time.Millisecond) {
			return
		}
		fl.setRefuse(true)
		fl.drop()
		select {
		case <-time.After(150 * time.Millisecond):
		case <-ctx.Done():
		}
		fl.setRefuse(false)
		for i := 0; i < 2 && step(40*time.Millisecond); i++ {
			fl.drop()
		}
	}()
	for i := 1; i <= n; i++ {
		if err := send(ctx, c, numbered(i)); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		time.Sleep(time.Millisecond) // a steady pace, so that faults land mid-stream
	}
	<-faultsDone
	if atLastFault[0] >= n || atLastFault[1] >= n {
		t.Errorf("the faults ended after the run (client %d, server %d of %d): they tested nothing", atLastFault[0], atLastFault[1], n)
	}
	// Both directions complete: the client has everything, and the
	// server's application has read everything.
	if err := c.Wait(ctx, func(s reliabletest.State) bool { return len(s.Received) >= n && s.Unacked == 0 }); err != nil {
		t.Fatalf("client: %d received, not all acknowledged: %v", len(c.Received()), err)
	}
	for len(rec.got()) < n && ctx.Err() == nil {
		time.Sleep(10 * time.Millisecond)
	}
	sessions, lost, welcomes := c.Sessions(), len(c.Lost()), c.Welcomes()
	checkSequence(t, "client", received(c), n)
	checkSequence(t, "server application", rec.got(), n)
	if len(sessions) != 1 || lost != 0 {
		t.Errorf("sessions %v, %d lost; want one session throughout", sessions, lost)
	}
	fl.mu.Lock()
	drops, silences := fl.dropped, fl.silenced
	fl.mu.Unlock()
	if drops < 6 || silences != 1 || welcomes < 3 {
		t.Errorf("only %d drops, %d silences and %d connections happened", drops, silences, welcomes)
	}
	t.Logf("%d connections, %d drops of an open connection, a silence and a refusal; %d messages each way, once each, in order", welcomes, drops, n)
}
