package reliable

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// testClient is a minimal client of wsbeat.reliable.v1 built on package
// wire, as the engine will be: one session, reconnecting after every
// failure, with a heartbeat that finds a silent connection.
type testClient struct {
	t   testing.TB
	url func() string

	mu       sync.Mutex
	changed  chan struct{}
	session  string
	out      *wire.Outbound[Message]
	in       *wire.Inbound
	received []Message
	lost     [][]wire.Pending[Message] // one entry per session lost
	sessions []string                  // every session id welcomed
	welcomes int                       // connections that got a welcome
	ws       *websocket.Conn
	next     int64 // the next sequence to send on ws
	wakeCh   chan struct{}
	closeErr error // the last connection's end

	stop context.CancelFunc
	done chan struct{}
}

const (
	clientPingEvery   = 50 * time.Millisecond
	clientPingTimeout = 300 * time.Millisecond
)

func newTestClient(t testing.TB, url func() string, limits wire.Limits) *testClient {
	ctx, cancel := context.WithCancel(context.Background())
	c := &testClient{
		t:       t,
		url:     url,
		changed: make(chan struct{}),
		out:     wire.NewOutbound[Message](limits),
		in:      wire.NewInbound(limits, wire.AckPolicy{}),
		stop:    cancel,
		done:    make(chan struct{}),
	}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			err := c.connectOnce(ctx)
			c.mu.Lock()
			c.closeErr = err
			c.broadcast()
			c.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	t.Cleanup(c.close)
	return c
}

func (c *testClient) close() {
	c.stop()
	<-c.done
}

func (c *testClient) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

// send numbers m and holds it until acknowledged, waiting while the
// replay buffer is full.
func (c *testClient) send(ctx context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		_, err := c.out.Push(m, len(m.Data))
		if !errors.Is(err, wire.ErrBufferFull) {
			if err == nil && c.wakeCh != nil {
				wake(c.wakeCh)
			}
			return err
		}
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.mu.Lock()
			return ctx.Err()
		}
		c.mu.Lock()
	}
}

// waitFor waits until cond, called with c.mu held, is true.
func (c *testClient) waitFor(ctx context.Context, cond func() bool) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for !cond() {
		ch := c.changed
		c.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			c.mu.Lock()
			return ctx.Err()
		}
		c.mu.Lock()
	}
	return nil
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// connectOnce runs one connection: hello, welcome, then reading and
// writing until it fails.
func (c *testClient) connectOnce(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, c.url(), &websocket.DialOptions{Subprotocols: []string{wire.Subprotocol}})
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	if ws.Subprotocol() != wire.Subprotocol {
		return errors.New("server did not select " + wire.Subprotocol)
	}
	c.mu.Lock()
	hello := wire.Frame{Kind: wire.Hello}
	if c.session != "" {
		hello.Session, hello.Seq = c.session, c.in.Reconnected()
	}
	c.mu.Unlock()
	if err := ws.Write(dctx, websocket.MessageText, []byte(wire.Control(hello))); err != nil {
		return err
	}
	typ, b, err := ws.Read(dctx)
	if err != nil {
		return err
	}
	f, _, err := wire.Decode(typ == websocket.MessageBinary, b)
	if err != nil {
		return err
	}
	if f.Kind != wire.Welcome {
		return errors.New("expected welcome, got " + f.Kind.String())
	}
	c.mu.Lock()
	if f.Session != c.session {
		if c.session != "" {
			// The server no longer knows the session: report what cannot
			// be confirmed, and start afresh.
			c.lost = append(c.lost, c.out.Reset())
			c.in = wire.NewInbound(wire.Limits{}, wire.AckPolicy{})
		}
		c.session = f.Session
		c.sessions = append(c.sessions, f.Session)
	} else if _, err := c.out.Resume(f.Seq); err != nil {
		c.mu.Unlock()
		ws.Close(wire.CodeProtocolError, "bad welcome")
		return err
	}
	c.welcomes++
	c.ws, c.next, c.wakeCh = ws, c.out.Acked()+1, make(chan struct{}, 1)
	c.broadcast()
	wakeCh := c.wakeCh
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.ws, c.wakeCh = nil, nil
		c.mu.Unlock()
	}()

	var lastHeard atomic.Int64
	lastHeard.Store(time.Now().UnixNano())
	errc := make(chan error, 2)
	wctx, wcancel := context.WithCancel(ctx)
	defer wcancel()
	go func() { errc <- c.writeLoop(wctx, ws, wakeCh, &lastHeard) }()
	go func() { errc <- c.readLoop(ws, &lastHeard, wakeCh) }()
	err = <-errc
	ws.CloseNow()
	wcancel()
	<-errc
	return err
}

var pongDue sync.Map // *websocket.Conn -> bool, a pong owed

func (c *testClient) readLoop(ws *websocket.Conn, lastHeard *atomic.Int64, wakeCh chan struct{}) error {
	for {
		typ, b, err := ws.Read(context.Background())
		if err != nil {
			return err
		}
		lastHeard.Store(time.Now().UnixNano())
		f, payload, err := wire.Decode(typ == websocket.MessageBinary, b)
		if err != nil {
			ws.Close(wire.CodeProtocolError, "protocol error")
			return err
		}
		c.mu.Lock()
		switch f.Kind {
		case wire.Data:
			ok, aerr := c.in.Accept(f.Seq, len(payload))
			if aerr != nil {
				err = aerr
			} else if ok {
				c.received = append(c.received, Message{Binary: f.Binary, Data: payload})
				if c.in.Deliver(f.Seq, len(payload)) == wire.AckNow {
					wake(wakeCh)
				}
			}
		case wire.Ack, wire.Pong:
			_, err = c.out.Ack(f.Seq)
		case wire.Ping:
			_, err = c.out.Ack(f.Seq)
			pongDue.Store(ws, true)
			wake(wakeCh)
		default:
			err = errors.New("unexpected " + f.Kind.String())
		}
		c.broadcast()
		c.mu.Unlock()
		if err != nil {
			ws.Close(wire.CodeProtocolError, "protocol error")
			return err
		}
	}
}

// writeLoop sends every message not yet sent on ws, acks what was
// delivered every few messages or on a tick, and pings.
func (c *testClient) writeLoop(ctx context.Context, ws *websocket.Conn, wakeCh chan struct{}, lastHeard *atomic.Int64) error {
	defer pongDue.Delete(ws)
	tick := time.NewTicker(clientPingEvery)
	defer tick.Stop()
	var buf []byte
	for {
		var control []string
		var data []wire.Pending[Message]
		c.mu.Lock()
		if _, ok := pongDue.LoadAndDelete(ws); ok {
			ack, _ := c.in.TakeAck()
			control = append(control, wire.Control(wire.Frame{Kind: wire.Pong, Seq: ack}))
		}
		if ack, ok := c.in.TakeAck(); ok {
			control = append(control, wire.Control(wire.Frame{Kind: wire.Ack, Seq: ack}))
		}
		for _, p := range c.out.Unacked() {
			if p.Seq >= c.next {
				data = append(data, p)
				c.next = p.Seq + 1
			}
		}
		c.mu.Unlock()
		for _, s := range control {
			if err := ws.Write(ctx, websocket.MessageText, []byte(s)); err != nil {
				return err
			}
		}
		for _, p := range data {
			typ := websocket.MessageText
			if p.Msg.Binary {
				typ = websocket.MessageBinary
			}
			buf = append(wire.AppendDataHeader(buf[:0], p.Seq), p.Msg.Data...)
			if err := ws.Write(ctx, typ, buf); err != nil {
				return err
			}
		}
		if len(control)+len(data) > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wakeCh:
		case <-tick.C:
			if time.Since(time.Unix(0, lastHeard.Load())) > clientPingTimeout {
				return errors.New("heartbeat timeout")
			}
			c.mu.Lock()
			ack := c.in.Acked()
			c.mu.Unlock()
			if err := ws.Write(ctx, websocket.MessageText, []byte(wire.Control(wire.Frame{Kind: wire.Ping, Seq: ack}))); err != nil {
				return err
			}
		}
	}
}

// faultListener wraps a listener so that a test can drop, silence or
// refuse connections.
type faultListener struct {
	net.Listener
	mu       sync.Mutex
	conns    []*faultConn
	refuse   bool
	dropped  int // drops that closed a connection
	silenced int // silences that hit a connection
}

func (l *faultListener) Accept() (net.Conn, error) {
	for {
		nc, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.refuse {
			l.mu.Unlock()
			nc.Close()
			continue
		}
		fc := &faultConn{Conn: nc, unblock: make(chan struct{})}
		l.conns = append(l.conns, fc)
		l.mu.Unlock()
		return fc, nil
	}
}

// drop closes every connection at the TCP level.
func (l *faultListener) drop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.Close()
	}
	if len(l.conns) > 0 {
		l.dropped++
	}
	l.conns = nil
}

// silence makes every open connection a black hole in both directions,
// as a half-open connection is: nothing arrives, writes vanish.
func (l *faultListener) silence() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, c := range l.conns {
		c.silenced.Store(true)
	}
	if len(l.conns) > 0 {
		l.silenced++
	}
	l.conns = nil
}

func (l *faultListener) setRefuse(on bool) {
	l.mu.Lock()
	l.refuse = on
	l.mu.Unlock()
}

type faultConn struct {
	net.Conn
	silenced  atomic.Bool
	closeOnce sync.Once
	unblock   chan struct{}
}

func (c *faultConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	if c.silenced.Load() {
		<-c.unblock
		return 0, net.ErrClosed
	}
	return n, err
}

func (c *faultConn) Write(b []byte) (int, error) {
	if c.silenced.Load() {
		return len(b), nil
	}
	return c.Conn.Write(b)
}

func (c *faultConn) Close() error {
	c.closeOnce.Do(func() { close(c.unblock) })
	return c.Conn.Close()
}

func wsURL(httpURL string) string { return "ws" + strings.TrimPrefix(httpURL, "http") }
