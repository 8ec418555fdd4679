package reliable

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

func TestMemoryStoreOwnershipAndExpiry(t *testing.T) {
	ctx := context.Background()
	now := time.Unix(1000, 0)
	m := NewMemoryStore()
	m.now = func() time.Time { return now }
	if _, err := m.Claim(ctx, "s", "a", time.Minute); !errors.Is(err, ErrUnknownSession) {
		t.Fatalf("Claim of nothing: %v", err)
	}
	m.Create(ctx, "s", "a", time.Minute)
	for i := int64(1); i <= 3; i++ {
		if err := m.Append(ctx, "s", "a", Stored{Seq: i, Msg: numbered(int(i)), Size: 1}); err != nil {
			t.Fatal(err)
		}
	}
	m.Ack(ctx, "s", "a", 1)
	m.Deliver(ctx, "s", "a", 7)
	// Another instance claims it: the first owner is refused from now on.
	st, err := m.Claim(ctx, "s", "b", time.Minute)
	if err != nil || st.Acked != 1 || st.Delivered != 7 || len(st.Pending) != 2 || st.Pending[0].Seq != 2 {
		t.Fatalf("Claim = %+v, %v", st, err)
	}
	if err := m.Append(ctx, "s", "a", Stored{Seq: 4}); !errors.Is(err, ErrSessionMoved) {
		t.Fatalf("Append by the old owner: %v", err)
	}
	if err := m.Delete(ctx, "s", "a"); !errors.Is(err, ErrSessionMoved) || m.Len() != 1 {
		t.Fatalf("Delete by the old owner: %v, %d left", err, m.Len())
	}
	// The claimed state is a copy.
	st.Pending[0].Seq = 99
	if st2, _ := m.Claim(ctx, "s", "b", time.Minute); st2.Pending[0].Seq != 2 {
		t.Fatal("Claim shares its slice with the store")
	}
	// Expiry counts from the last Touch.
	now = now.Add(50 * time.Second)
	m.Touch(ctx, "s", "b", time.Minute)
	now = now.Add(59 * time.Second)
	if m.Len() != 1 {
		t.Fatal("expired before the TTL after Touch")
	}
	now = now.Add(time.Second)
	if err := m.Touch(ctx, "s", "b", time.Minute); !errors.Is(err, ErrUnknownSession) || m.Len() != 0 {
		t.Fatalf("after the TTL: %v, %d left", err, m.Len())
	}
}

// TestSessionMovesBetweenInstances: two servers share a store; a client
// that resumes on the other one keeps its session, gets what the first
// one wrote while it was away, and is not given again what the first one's
// application had read. The first instance learns it lost the session.
func TestSessionMovesBetweenInstances(t *testing.T) {
	store := NewMemoryStore()
	sessA := make(chan *Session, 1)
	readA := make(chan Message, 10)
	srvA := NewServer(&Options{Store: store}, func(ctx context.Context, s *Session) {
		sessA <- s
		for {
			m, err := s.Read(ctx)
			if err != nil {
				return
			}
			readA <- m
		}
	})
	_, hsA := startServer(t, srvA)
	recB := newRecorder(0)
	srvB := NewServer(&Options{Store: store}, recB.handle)
	_, hsB := startServer(t, srvB)

	ctx := testContext(t)
	ws := dialRaw(t, ctx, wsURL(hsA.URL))
	w := hello(t, ctx, ws, wire.Frame{})
	a := <-sessA
	sendText(t, ctx, ws, "1:one")
	<-readA
	if err := a.Write(ctx, Message{Data: []byte("a1")}); err != nil {
		t.Fatal(err)
	}
	if f, p := readFrame(t, ctx, ws); f.Seq != 1 || p != "a1" {
		t.Fatalf("from A: %+v %q", f, p)
	}
	ws.CloseNow()
	// Written while the client is away; it is in the store.
	if err := a.Write(ctx, Message{Binary: true, Data: []byte("a2")}); err != nil {
		t.Fatal(err)
	}

	ws = dialRaw(t, ctx, wsURL(hsB.URL))
	w2 := hello(t, ctx, ws, wire.Frame{Session: w.Session, Seq: 1})
	if w2.Session != w.Session || w2.Seq != 1 {
		t.Fatalf("welcome from B: %+v; want session %s at 1", w2, w.Session)
	}
	if f, p := readFrame(t, ctx, ws); f.Seq != 2 || p != "a2" || !f.Binary {
		t.Fatalf("replay from B: %+v %q", f, p)
	}
	sendText(t, ctx, ws, "1:one") // a replay B must discard
	sendText(t, ctx, ws, "2:two")
	for len(recB.got()) < 1 && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	recB.mu.Lock()
	resumed := len(recB.sessions) == 1 && recB.sessions[0].Resumed() && recB.sessions[0].ID() == w.Session
	recB.mu.Unlock()
	if got := recB.got(); !resumed || len(got) != 1 || string(got[0].Data) != "two" {
		t.Fatalf("B read %v (resumed %v)", got, resumed)
	}
	if err := a.Write(ctx, Message{Data: []byte("late")}); !errors.Is(err, ErrSessionMoved) {
		t.Fatalf("A writing after B claimed the session: %v", err)
	}
}
