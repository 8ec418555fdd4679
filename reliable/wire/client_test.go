package wire

import (
	"errors"
	"testing"
)

func mustDecode(t *testing.T, s string) (Frame, int) {
	t.Helper()
	f, p, err := Decode(false, s)
	if err != nil {
		t.Fatalf("Decode(%q): %v", s, err)
	}
	return f, len(p)
}

func handle(t *testing.T, c *Client[string], s string) Result[string] {
	t.Helper()
	f, n := mustDecode(t, s)
	r, err := c.Handle(f, n)
	if err != nil {
		t.Fatalf("Handle(%q): %v", s, err)
	}
	return r
}

func handleErr(t *testing.T, c *Client[string], s string) error {
	t.Helper()
	f, n := mustDecode(t, s)
	_, err := c.Handle(f, n)
	return err
}

func sendAll(t *testing.T, c *Client[string], msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		if _, err := c.Send(m, len(m)); err != nil {
			t.Fatal(err)
		}
	}
}

func unsentSeqs(c *Client[string]) []int64 { return seqs(c.Unsent()) }

func TestClientConnectSendResume(t *testing.T) {
	c := NewClient[string](Limits{}, AckPolicy{Every: 2})
	sendAll(t, c, "a", "b") // before any connection: held
	if got := c.Hello(); got != "H" {
		t.Fatalf("first Hello = %q", got)
	}
	if u := unsentSeqs(c); u != nil {
		t.Fatalf("Unsent before the welcome: %v", u)
	}
	if err := handleErr(t, c, "1:x"); !errors.Is(err, ErrProtocol) {
		t.Fatalf("data before the welcome: %v", err)
	}
	if r := handle(t, c, "Ws1:0"); !r.Opened || r.Lost != nil || c.Session() != "s1" {
		t.Fatalf("welcome: %+v, session %q", r, c.Session())
	}
	sendAll(t, c, "c")
	if u := unsentSeqs(c); !equalSeqs(u, []int64{1, 2, 3}) {
		t.Fatalf("Unsent after the welcome = %v", u)
	}
	if u := unsentSeqs(c); u != nil {
		t.Fatalf("Unsent twice = %v", u)
	}
	handle(t, c, "A1")
	if n, b := c.Unacked(); n != 2 || b != 2 {
		t.Fatalf("Unacked after A1 = %d, %d", n, b)
	}
	// Server messages: in order, duplicates dropped, acks by policy.
	r := handle(t, c, "1:x")
	if !r.Deliver || r.Ack != AckLater {
		t.Fatalf("first data: %+v", r)
	}
	if r := handle(t, c, "1:x"); r.Deliver {
		t.Fatal("a duplicate was delivered")
	}
	if r := handle(t, c, "2:y"); !r.Deliver || r.Ack != AckNow {
		t.Fatalf("second data: %+v", r)
	}
	if a := c.Ack(); a != "A2" {
		t.Fatalf("Ack = %q", a)
	}
	if a := c.Ack(); a != "" {
		t.Fatalf("second Ack = %q", a)
	}
	if err := handleErr(t, c, "4:z"); !errors.Is(err, ErrProtocol) {
		t.Fatalf("gap: %v", err)
	}
	// The connection drops; the server had delivered 2 of ours.
	c.Closed()
	sendAll(t, c, "d")
	if u := unsentSeqs(c); u != nil {
		t.Fatalf("Unsent while closed = %v", u)
	}
	if h := c.Hello(); h != "Hs1:2" {
		t.Fatalf("resume Hello = %q", h)
	}
	if r := handle(t, c, "Ws1:2"); !r.Opened || r.Lost != nil {
		t.Fatalf("resume welcome: %+v", r)
	}
	if u := unsentSeqs(c); !equalSeqs(u, []int64{3, 4}) {
		t.Fatalf("replay = %v; want 3, 4", u)
	}
	if r := handle(t, c, "3:w"); !r.Deliver {
		t.Fatal("data after the resume")
	}
	if c.Received() != 3 {
		t.Fatalf("Received = %d", c.Received())
	}
}

func TestClientSessionLost(t *testing.T) {
	c := NewClient[string](Limits{}, AckPolicy{})
	c.Hello()
	handle(t, c, "Wold:0")
	sendAll(t, c, "a", "b", "c")
	c.Unsent()
	handle(t, c, "A1")
	handle(t, c, "1:x")
	c.Closed()
	c.Hello()
	r := handle(t, c, "Wnew:0")
	if !r.Opened || r.LostSession != "old" || len(r.Lost) != 2 || r.Lost[0].Msg != "b" || r.Lost[1].Msg != "c" {
		t.Fatalf("welcome into a new session: %+v", r)
	}
	if n, _ := c.Unacked(); n != 0 || c.Received() != 0 || c.Session() != "new" {
		t.Fatalf("after the loss: %d unacked, received %d, session %q", n, c.Received(), c.Session())
	}
	// The new session numbers from 1 in both directions.
	sendAll(t, c, "d")
	if u := c.Unsent(); len(u) != 1 || u[0].Seq != 1 || u[0].Msg != "d" {
		t.Fatalf("Unsent in the new session = %v", u)
	}
	if r := handle(t, c, "1:y"); !r.Deliver {
		t.Fatal("first message of the new session")
	}
}

func TestClientHeartbeatAndBye(t *testing.T) {
	c := NewClient[string](Limits{}, AckPolicy{})
	c.Hello()
	handle(t, c, "Ws:0")
	sendAll(t, c, "a", "b")
	c.Unsent()
	handle(t, c, "1:x")
	if p := c.Ping(); p != "P1" {
		t.Fatalf("Ping = %q", p)
	}
	r := handle(t, c, "P1")
	if !r.Pong {
		t.Fatal("a ping was not answered")
	}
	if n, _ := c.Unacked(); n != 1 {
		t.Fatalf("the ping's ack released %d left", n)
	}
	if q := c.Pong(); q != "Q1" {
		t.Fatalf("Pong = %q", q)
	}
	handle(t, c, "Q2")
	if n, _ := c.Unacked(); n != 0 {
		t.Fatal("the pong's ack released nothing")
	}
	sendAll(t, c, "c")
	bye, lost := c.Bye()
	if bye != "B1" || len(lost) != 1 || lost[0].Msg != "c" {
		t.Fatalf("Bye = %q, %v", bye, lost)
	}
	if h := c.Hello(); h != "H" {
		t.Fatalf("Hello after Bye = %q; want a new session", h)
	}
}

func TestClientProtocolErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		frames []string // after Hello
	}{
		{"ack before the welcome", []string{"A0"}},
		{"new session welcomed at 3", []string{"Ws:3"}},
		{"a second welcome", []string{"Ws:0", "Ws:0"}},
		{"hello from the server", []string{"Ws:0", "H"}},
		{"bye from the server", []string{"Ws:0", "B0"}},
		{"ack of what was never sent", []string{"Ws:0", "A1"}},
		{"ping acking what was never sent", []string{"Ws:0", "P1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := NewClient[string](Limits{}, AckPolicy{})
			c.Hello()
			var err error
			for _, s := range tt.frames {
				f, n := mustDecode(t, s)
				if _, err = c.Handle(f, n); err != nil {
					break
				}
			}
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("got %v; want ErrProtocol", err)
			}
		})
	}
	// A welcome that resumes behind what the server had acknowledged.
	c := NewClient[string](Limits{}, AckPolicy{})
	c.Hello()
	handle(t, c, "Ws:0")
	sendAll(t, c, "a", "b")
	c.Unsent()
	handle(t, c, "A2")
	c.Closed()
	c.Hello()
	if err := handleErr(t, c, "Ws:1"); !errors.Is(err, ErrProtocol) {
		t.Fatalf("welcome behind the ack: %v", err)
	}
}
