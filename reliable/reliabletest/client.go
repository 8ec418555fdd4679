// Package reliabletest is a minimal wsbeat.reliable.v1 client for tests
// of servers: a wire.Client driven over github.com/coder/websocket, as
// the engine drives it, that reconnects after every failure and finds a
// silent (half-open) connection with its heartbeat. It records what it
// received so that a test can check that every message arrived once and
// in order.
package reliabletest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// Message is one application message.
type Message struct {
	Binary bool
	Data   []byte
}

// Options configure a Client. A nil *Options means all defaults.
type Options struct {
	// Limits bound the replay buffer. Defaults to wire's (1000 messages,
	// 1 MiB).
	Limits wire.Limits
	// PingEvery is the heartbeat interval. Defaults to 50ms.
	PingEvery time.Duration
	// PingTimeout is how long the client waits without a frame before it
	// drops the connection as dead. Defaults to 300ms.
	PingTimeout time.Duration
	// Retry is the wait before each reconnect. Defaults to 10ms.
	Retry time.Duration
	// Dial are the options of every dial, with Subprotocols replaced by
	// wsbeat.reliable.v1. Defaults to nil.
	Dial *websocket.DialOptions
	// Discard keeps no message received, for benchmarks: Received stays
	// empty and State.Delivered counts them. Defaults to false.
	Discard bool
}

// State is what a Client has seen, as Wait passes it to its condition.
// Its slices are the client's own: read them only within the condition.
type State struct {
	Received  []Message                 // delivered, in order
	Delivered int64                     // how many the current session delivered
	Sent      int64                     // the highest sequence written on a connection
	Unacked   int                       // messages awaiting the server's ack
	Welcomes  int                       // connections welcomed
	Sessions  []string                  // every session id welcomed, in order
	Lost      [][]wire.Pending[Message] // per session lost, what was not confirmed
}

// A Client is one session's client, connecting to URL until Close.
type Client struct {
	url  func() string
	opts Options

	mu       sync.Mutex
	changed  chan struct{}
	cl       *wire.Client[Message]
	received []Message
	lost     [][]wire.Pending[Message]
	sessions []string
	welcomes int
	sent     int64         // the highest sequence written on a connection
	wakeCh   chan struct{} // the open connection's writer, or nil
	pongDue  bool

	stop context.CancelFunc
	done chan struct{}
}

// NewClient returns a Client that connects to url() (called for every
// dial) until Close.
func NewClient(url func() string, opts *Options) *Client {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.PingEvery <= 0 {
		o.PingEvery = 50 * time.Millisecond
	}
	if o.PingTimeout <= 0 {
		o.PingTimeout = 300 * time.Millisecond
	}
	if o.Retry <= 0 {
		o.Retry = 10 * time.Millisecond
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &Client{
		url:     url,
		opts:    o,
		changed: make(chan struct{}),
		cl:      wire.NewClient[Message](o.Limits, wire.AckPolicy{}),
		stop:    cancel,
		done:    make(chan struct{}),
	}
	go func() {
		defer close(c.done)
		for ctx.Err() == nil {
			c.connectOnce(ctx)
			select {
			case <-ctx.Done():
			case <-time.After(o.Retry):
			}
		}
	}()
	return c
}

// Close stops the client and waits for its goroutines. It does not end
// the session: the server keeps it for its TTL.
func (c *Client) Close() {
	c.stop()
	<-c.done
}

// Send numbers m and holds it until acknowledged, waiting while the replay
// buffer is full and ctx allows.
func (c *Client) Send(ctx context.Context, m Message) error {
	return c.wait(ctx, func() bool {
		return !c.cl.Full(len(m.Data))
	}, func() error {
		_, err := c.cl.Send(m, len(m.Data))
		if err == nil && c.wakeCh != nil {
			wake(c.wakeCh)
		}
		return err
	})
}

// Received returns the messages delivered, in order.
func (c *Client) Received() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.received...)
}

// Sessions returns every session id welcomed, in order.
func (c *Client) Sessions() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.sessions...)
}

// Lost returns, per session lost, the messages whose delivery could not
// be confirmed.
func (c *Client) Lost() [][]wire.Pending[Message] {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([][]wire.Pending[Message](nil), c.lost...)
}

// Welcomes returns how many connections were welcomed.
func (c *Client) Welcomes() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.welcomes
}

// Wait waits, while ctx allows, until cond holds. cond runs under the
// client's lock, at every change: keep it short, and call no method of
// the client in it.
func (c *Client) Wait(ctx context.Context, cond func(State) bool) error {
	return c.wait(ctx, func() bool {
		unacked, _ := c.cl.Unacked()
		return cond(State{
			Received:  c.received,
			Delivered: c.cl.Received(),
			Sent:      c.sent,
			Unacked:   unacked,
			Welcomes:  c.welcomes,
			Sessions:  c.sessions,
			Lost:      c.lost,
		})
	}, nil)
}

// WaitReceived waits until n messages have been delivered (and kept:
// not with Discard).
func (c *Client) WaitReceived(ctx context.Context, n int) error {
	return c.Wait(ctx, func(s State) bool { return len(s.Received) >= n })
}

// WaitWelcomes waits until n connections have been welcomed.
func (c *Client) WaitWelcomes(ctx context.Context, n int) error {
	return c.Wait(ctx, func(s State) bool { return s.Welcomes >= n })
}

// WaitAcked waits until the server has acknowledged every message sent.
func (c *Client) WaitAcked(ctx context.Context) error {
	return c.Wait(ctx, func(s State) bool { return s.Unacked == 0 })
}

// wait waits until cond, called with c.mu held, is true, then runs then
// (if not nil) with c.mu still held.
func (c *Client) wait(ctx context.Context, cond func() bool, then func() error) error {
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
	if then != nil {
		return then()
	}
	return nil
}

// broadcast wakes every wait; c.mu is held.
func (c *Client) broadcast() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// connectOnce runs one connection until it fails.
func (c *Client) connectOnce(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	do := websocket.DialOptions{}
	if c.opts.Dial != nil {
		do = *c.opts.Dial
	}
	do.Subprotocols = []string{wire.Subprotocol}
	ws, _, err := websocket.Dial(dctx, c.url(), &do)
	if err != nil {
		return err
	}
	defer ws.CloseNow()
	if ws.Subprotocol() != wire.Subprotocol {
		return errors.New("reliabletest: the server did not select " + wire.Subprotocol)
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

func (c *Client) readLoop(ws *websocket.Conn, lastHeard *atomic.Int64, wakeCh chan struct{}) error {
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
		if r.Deliver && !c.opts.Discard {
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

// writeLoop sends every message not yet sent, acks what was delivered,
// and pings; a connection silent for PingTimeout is dropped.
func (c *Client) writeLoop(ctx context.Context, ws *websocket.Conn, wakeCh chan struct{}, lastHeard *atomic.Int64) error {
	tick := time.NewTicker(c.opts.PingEvery)
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
			if time.Since(time.Unix(0, lastHeard.Load())) > c.opts.PingTimeout {
				return errors.New("reliabletest: heartbeat timeout")
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
