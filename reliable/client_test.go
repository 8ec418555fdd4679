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

// testClient is a minimal client of wsbeat.reliable.v1 on wire.Client, as
// the engine will be: one session, reconnecting after every failure, with
// a heartbeat that finds a silent connection.
type testClient struct {
	t   testing.TB
	url func() string

	mu       sync.Mutex
	changed  chan struct{}
	cl       *wire.Client[Message]
	received []Message
	lost     [][]wire.Pending[Message] // one entry per session lost
	sessions []string                  // every session id welcomed
	welcomes int                       // connections that got a welcome
	sent     int64                     // the highest sequence written on a connection
	wakeCh   chan struct{}             // the open connection's writer, or nil
	pongDue  bool

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
		cl:      wire.NewClient[Message](limits, wire.AckPolicy{}),
		stop:    cancel,
		done:    make(chan struct{}),
	}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			c.connectOnce(ctx)
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

// unacked is how many messages await the server's ack.
func (c *testClient) unacked() int {
	n, _ := c.cl.Unacked()
	return n
}

// send numbers m and holds it until acknowledged, waiting while the
// replay buffer is full.
func (c *testClient) send(ctx context.Context, m Message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for {
		_, err := c.cl.Send(m, len(m.Data))
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

// connectOnce runs one connection until it fails.
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
	hello := c.cl.Hello()
	wakeCh := make(chan struct{}, 1)
	c.wakeCh, c.pongDue = wakeCh, false
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		c.cl.Closed()
		c.wakeCh = nil
		c.broadcast()
		c.mu.Unlock()
	}()
	if err := ws.Write(dctx, websocket.MessageText, []byte(hello)); err != nil {
		return err
	}
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
		r, err := c.cl.Handle(f, len(payload))
		if r.Lost != nil || r.LostSession != "" {
			c.lost = append(c.lost, append([]wire.Pending[Message](nil), r.Lost...))
		}
		if r.Opened {
			c.welcomes++
			if len(c.sessions) == 0 || c.sessions[len(c.sessions)-1] != c.cl.Session() {
				c.sessions = append(c.sessions, c.cl.Session())
			}
		}
		if r.Deliver {
			c.received = append(c.received, Message{Binary: r.Binary, Data: payload})
		}
		if r.Pong {
			c.pongDue = true
		}
		if r.Opened || r.Ack == wire.AckNow || r.Pong {
			wake(wakeCh)
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
// delivered when due or on a tick, and pings.
func (c *testClient) writeLoop(ctx context.Context, ws *websocket.Conn, wakeCh chan struct{}, lastHeard *atomic.Int64) error {
	tick := time.NewTicker(clientPingEvery)
	defer tick.Stop()
	var buf []byte
	for {
		var control []string
		c.mu.Lock()
		if c.pongDue {
			control = append(control, c.cl.Pong())
			c.pongDue = false
		}
		if a := c.cl.Ack(); a != "" {
			control = append(control, a)
		}
		data := append([]wire.Pending[Message](nil), c.cl.Unsent()...)
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
		if len(data) > 0 {
			c.mu.Lock()
			c.sent = max(c.sent, data[len(data)-1].Seq)
			c.broadcast()
			c.mu.Unlock()
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
			ping := c.cl.Ping()
			c.mu.Unlock()
			if err := ws.Write(ctx, websocket.MessageText, []byte(ping)); err != nil {
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
