package reliable

import (
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/reliable/reliabletest"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// The clients of these tests are reliabletest's, with a heartbeat fast
// enough to find a silent connection within a test.
const (
	clientPingEvery   = 50 * time.Millisecond
	clientPingTimeout = 300 * time.Millisecond
)

func newTestClient(t testing.TB, url func() string, limits wire.Limits) *reliabletest.Client {
	c := reliabletest.NewClient(url, &reliabletest.Options{Limits: limits, PingEvery: clientPingEvery, PingTimeout: clientPingTimeout})
	t.Cleanup(c.Close)
	return c
}

// send sends m through c.
func send(ctx context.Context, c *reliabletest.Client, m Message) error {
	return c.Send(ctx, reliabletest.Message(m))
}

// received returns what c received, as Messages.
func received(c *reliabletest.Client) []Message {
	var out []Message
	for _, m := range c.Received() {
		out = append(out, Message(m))
	}
	return out
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
