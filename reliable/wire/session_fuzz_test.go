package wire

import (
	"strconv"
	"testing"
)

// simServer is the server's side of the protocol as the reliable package
// plays it, on Outbound and Inbound, with one connection at a time.
type simServer struct {
	out   *Outbound[int]
	in    *Inbound
	next  int64          // the next sequence to send on the connection
	queue []Pending[int] // accepted, not yet read by the application
	got   []int
	// attached: the connection's hello has arrived
	attached bool
}

// pipe is one connection's frames in flight, in each direction.
type pipe struct{ toServer, toClient []string }

// FuzzSession runs a client and a server through a random schedule of
// sends, deliveries, acks, pings and dropped connections (losing whatever
// was in flight), then a final reconnect, and checks that each side got
// exactly what the other sent, once, in order.
func FuzzSession(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 0, 0, 2, 3, 5, 6})
	f.Add([]byte{0, 0, 0, 4, 2, 2, 1, 1, 4, 3, 3, 7, 2, 3})
	f.Add([]byte{1, 1, 1, 1, 3, 3, 4, 4, 4, 3, 3, 3, 3, 5, 2, 2, 2})
	// The server's application reads late: the client replays what is
	// queued there, which the server discards.
	f.Add([]byte{2, 3, 0, 0, 2, 2, 8, 4, 2, 3, 2})
	f.Fuzz(runSession)
}

// runSession is FuzzSession's body.
func runSession(t *testing.T, ops []byte) {
	limits := Limits{Messages: 8, Bytes: 1 << 20}
	c := NewClient[int](limits, AckPolicy{Every: 3})
	s := &simServer{out: NewOutbound[int](limits), in: NewInbound(limits, AckPolicy{Every: 3})}
	var clientGot []int
	var clientSent, serverSent int
	var p pipe

	fail := func(format string, args ...any) { t.Helper(); t.Fatalf(format, args...) }
	// toClient handles one frame at the client.
	toClient := func(frame string) {
		fr, payload, err := Decode(false, frame)
		if err != nil {
			fail("server sent %q: %v", frame, err)
		}
		r, err := c.Handle(fr, len(payload))
		if err != nil {
			fail("client: %v", err)
		}
		if r.Lost != nil || r.LostSession != "" {
			fail("session lost with a server that never forgets")
		}
		if r.Deliver {
			n, _ := strconv.Atoi(payload)
			clientGot = append(clientGot, n)
		}
		if r.Ack == AckNow {
			if a := c.Ack(); a != "" {
				p.toServer = append(p.toServer, a)
			}
		}
		if r.Pong {
			p.toServer = append(p.toServer, c.Pong())
		}
	}
	clientFlush := func() {
		for _, m := range c.Unsent() {
			p.toServer = append(p.toServer, DataHeader(m.Seq)+strconv.Itoa(m.Msg))
		}
	}
	serverFlush := func() {
		for _, m := range s.out.Unacked() {
			if m.Seq >= s.next {
				p.toClient = append(p.toClient, DataHeader(m.Seq)+strconv.Itoa(m.Msg))
				s.next = m.Seq + 1
			}
		}
	}
	// toServer handles one frame at the server.
	toServer := func(frame string) {
		fr, payload, err := Decode(false, frame)
		if err != nil {
			fail("client sent %q: %v", frame, err)
		}
		switch fr.Kind {
		case Hello:
			if _, err := s.out.Resume(fr.Seq); err != nil {
				fail("server resume: %v", err)
			}
			s.next, s.attached = fr.Seq+1, true
			p.toClient = append(p.toClient, Control(Frame{Kind: Welcome, Session: "s", Seq: s.in.Reconnected()}))
			serverFlush()
		case Data:
			ok, err := s.in.Accept(fr.Seq, len(payload))
			if err != nil {
				fail("server accept: %v", err)
			}
			if ok {
				n, _ := strconv.Atoi(payload)
				s.queue = append(s.queue, Pending[int]{Seq: fr.Seq, Msg: n, Size: len(payload)})
			}
		case Ack, Pong, Ping:
			if _, err := s.out.Ack(fr.Seq); err != nil {
				fail("server ack: %v", err)
			}
			if fr.Kind == Ping {
				a, _ := s.in.TakeAck()
				p.toClient = append(p.toClient, Control(Frame{Kind: Pong, Seq: a}))
			}
		default:
			fail("client sent %v", fr.Kind)
		}
	}
	// read is the server's application reading one message.
	read := func() {
		if len(s.queue) == 0 {
			return
		}
		m := s.queue[0]
		s.queue = s.queue[1:]
		s.got = append(s.got, m.Msg)
		if s.in.Deliver(m.Seq, m.Size) == AckNow && s.attached {
			a, _ := s.in.TakeAck()
			p.toClient = append(p.toClient, Control(Frame{Kind: Ack, Seq: a}))
		}
	}
	connect := func() {
		p = pipe{toServer: []string{c.Hello()}}
		s.attached = false
	}
	drain := func() {
		for len(p.toServer)+len(p.toClient) > 0 {
			if len(p.toServer) > 0 {
				f := p.toServer[0]
				p.toServer = p.toServer[1:]
				toServer(f)
			}
			if len(p.toClient) > 0 {
				f := p.toClient[0]
				p.toClient = p.toClient[1:]
				toClient(f)
				clientFlush()
			}
		}
	}

	connect()
	for _, op := range ops {
		switch op % 9 {
		case 0:
			if _, err := c.Send(clientSent+1, 1); err == nil {
				clientSent++
				clientFlush()
			}
		case 1:
			if _, err := s.out.Push(serverSent+1, 1); err == nil {
				serverSent++
				if s.attached {
					serverFlush()
				}
			}
		case 2:
			if len(p.toServer) > 0 {
				f := p.toServer[0]
				p.toServer = p.toServer[1:]
				toServer(f)
			}
		case 3:
			if len(p.toClient) > 0 {
				f := p.toClient[0]
				p.toClient = p.toClient[1:]
				toClient(f)
				clientFlush()
			}
		case 4: // the connection drops with whatever was in flight
			c.Closed()
			connect()
		case 5:
			if a := c.Ack(); a != "" && c.Open() {
				p.toServer = append(p.toServer, a)
			}
		case 6:
			if !s.attached {
				break
			}
			if a, ok := s.in.TakeAck(); ok {
				p.toClient = append(p.toClient, Control(Frame{Kind: Ack, Seq: a}))
			}
		case 7:
			if c.Open() {
				p.toServer = append(p.toServer, c.Ping())
			}
		case 8:
			read()
		}
	}
	// A last, clean connection delivers everything.
	c.Closed()
	connect()
	drain()
	// The application reads everything; the ack timers fire.
	for len(s.queue) > 0 {
		read()
		drain()
	}
	if a, ok := s.in.TakeAck(); ok {
		toClient(Control(Frame{Kind: Ack, Seq: a}))
	}
	if a := c.Ack(); a != "" {
		toServer(a)
	}
	for i, n := range clientGot {
		if n != i+1 {
			fail("client got %v", clientGot)
		}
	}
	for i, n := range s.got {
		if n != i+1 {
			fail("server got %v", s.got)
		}
	}
	if len(clientGot) != serverSent || len(s.got) != clientSent {
		fail("client got %d of %d, server %d of %d", len(clientGot), serverSent, len(s.got), clientSent)
	}
	if n, _ := c.Unacked(); n != 0 || s.out.Len() != 0 {
		fail("left unacknowledged: client %d, server %d", n, s.out.Len())
	}
}
