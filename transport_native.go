//go:build !js

package wsbeat

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// NativeTransport makes connections with github.com/coder/websocket. It is
// the default Transport outside the browser.
type NativeTransport struct {
	// HTTPClient is used for the opening handshake.
	// Defaults to http.DefaultClient.
	HTTPClient *http.Client
	// Header is sent with every opening handshake. Defaults to none.
	Header http.Header
	// ReadLimit, if not zero, overrides the Socket's Options.ReadLimit for
	// the connections of this transport. Negative: no limit.
	// Defaults to 0 (Options.ReadLimit).
	ReadLimit int64
}

func defaultTransport() Transport { return &NativeTransport{} }

// defaultMaxBufferedBytes is Options.MaxBufferedBytes's default natively.
const defaultMaxBufferedBytes = 16 << 20

// errNativeData is why the native transport refuses a message.
var errNativeData = msgfmt.Wrap(ErrInvalidMessage, ErrInvalidMessage.Error()+": the native transport sends only string or []byte Data")

func (t *NativeTransport) checkMessage(m Message) error {
	switch m.Data.(type) {
	case string, []byte:
		return nil
	}
	return errNativeData
}

// Dial starts an attempt in its own goroutine.
func (t *NativeTransport) Dial(url string, protocols []string, ev ConnEvents) (Conn, error) {
	ctx, cancel := context.WithCancel(context.Background())
	c := &nativeConn{ctx: ctx, cancel: cancel, ev: ev, wake: make(chan struct{}, 1)}
	opts := &websocket.DialOptions{HTTPClient: t.HTTPClient, HTTPHeader: t.Header, Subprotocols: protocols}
	limit := t.ReadLimit
	if limit == 0 {
		limit = DefaultReadLimit
		if ce, ok := ev.(*connEvents); ok {
			limit = ce.s.opts.ReadLimit // set once by New: no lock needed
		}
	}
	if limit < 0 {
		limit = -1 // coder/websocket's "no limit"
	}
	go c.run(url, opts, limit)
	return c, nil
}

// nativeConn is one attempt. Its goroutines end when the connection does;
// after Abandon it reports nothing more.
type nativeConn struct {
	ctx       context.Context
	cancel    context.CancelFunc
	ev        ConnEvents
	abandoned atomic.Bool

	mu      sync.Mutex
	ws      *websocket.Conn
	pending []Message
	bytes   int
	wake    chan struct{}
}

func (c *nativeConn) run(url string, opts *websocket.DialOptions, limit int64) {
	defer c.cancel()
	ws, _, err := websocket.Dial(c.ctx, url, opts)
	if err != nil {
		c.report(func() {
			c.ev.Failed(err)
			c.ev.Closed(CodeAbnormal, "", false)
		})
		return
	}
	ws.SetReadLimit(limit)
	c.mu.Lock()
	c.ws = ws
	c.mu.Unlock()
	if c.abandoned.Load() {
		ws.CloseNow()
		return
	}
	go c.writeLoop(ws)
	c.report(func() { c.ev.Opened(ws.Subprotocol(), "") })
	for {
		typ, data, err := ws.Read(c.ctx)
		if err != nil {
			ws.CloseNow()
			code, reason, clean := closeInfoOf(err)
			failed := !clean && !errors.Is(err, context.Canceled)
			if errors.Is(err, websocket.ErrMessageTooBig) {
				// coder/websocket has sent 1009; report it as the end.
				code, reason = 1009, "message too big"
				err = newError(ErrMessageTooBig, "wsbeat: "+err.Error()+" (ReadLimit)", err)
			}
			c.report(func() {
				if failed {
					c.ev.Failed(err)
				}
				c.ev.Closed(code, reason, clean)
			})
			return
		}
		m := Message{Binary: typ == websocket.MessageBinary, Size: len(data)}
		if m.Binary {
			m.Data = data
		} else {
			m.Data = string(data)
		}
		c.report(func() { c.ev.Received(m) })
	}
}

// report calls f unless the engine has let go of this attempt.
func (c *nativeConn) report(f func()) {
	if !c.abandoned.Load() {
		f()
	}
}

func closeInfoOf(err error) (code int, reason string, clean bool) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return int(ce.Code), ce.Reason, true
	}
	return CodeAbnormal, "", false
}

func (c *nativeConn) writeLoop(ws *websocket.Conn) {
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-c.wake:
		}
		for {
			c.mu.Lock()
			if len(c.pending) == 0 {
				c.mu.Unlock()
				break
			}
			m := c.pending[0]
			c.pending[0] = Message{}
			c.pending = c.pending[1:]
			c.mu.Unlock()
			err := writeMessage(c.ctx, ws, m)
			c.mu.Lock()
			c.bytes -= m.Size
			c.mu.Unlock()
			if err != nil {
				ws.CloseNow() // the read loop reports the end
				return
			}
		}
	}
}

func writeMessage(ctx context.Context, ws *websocket.Conn, m Message) error {
	switch d := m.Data.(type) {
	case string:
		typ := websocket.MessageText
		if m.Binary {
			typ = websocket.MessageBinary
		}
		return ws.Write(ctx, typ, []byte(d))
	case []byte:
		typ := websocket.MessageBinary
		if !m.Binary {
			typ = websocket.MessageText
		}
		return ws.Write(ctx, typ, d)
	}
	return errNativeData
}

// Send queues m for the write goroutine.
func (c *nativeConn) Send(m Message) error {
	switch m.Data.(type) {
	case string, []byte:
	default:
		return errNativeData
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ws == nil || c.ctx.Err() != nil {
		return errors.New("wsbeat: connection not open")
	}
	c.pending = append(c.pending, m)
	c.bytes += m.Size
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return nil
}

// Close sends a close frame after what is already queued has gone out.
func (c *nativeConn) Close(code int, reason string) {
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		c.cancel()
		return
	}
	go func() {
		c.waitDrained(time.Second)
		ws.Close(closeCode(code), reason)
	}()
}

func (c *nativeConn) waitDrained(limit time.Duration) {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		n := len(c.pending)
		c.mu.Unlock()
		if n == 0 || c.ctx.Err() != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func closeCode(code int) websocket.StatusCode {
	if code == 0 {
		return websocket.StatusNoStatusRcvd
	}
	return websocket.StatusCode(code)
}

// Abandon stops reporting and closes without waiting for the peer.
func (c *nativeConn) Abandon(code int, reason string) {
	c.abandoned.Store(true)
	c.mu.Lock()
	ws := c.ws
	c.mu.Unlock()
	if ws == nil {
		c.cancel()
		return
	}
	go func() {
		// A dead peer never answers the close frame: bound the wait.
		t := time.AfterFunc(time.Second, func() { ws.CloseNow() })
		defer t.Stop()
		ws.Close(closeCode(code), reason)
		c.cancel()
	}()
}

func (c *nativeConn) LastReceived() time.Time { return time.Time{} }

func (c *nativeConn) BufferedAmount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bytes
}
