//go:build !js

package echo

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// maxDelay bounds the delay query parameter of /echo.
const maxDelay = time.Minute

// conn is one accepted WebSocket.
type conn struct {
	s     *Server
	ws    *websocket.Conn
	nc    *switchConn
	delay time.Duration
	start time.Time

	// lastWrite is when the last message went out, as time since start, so
	// that it follows the monotonic clock.
	lastWrite atomic.Int64
}

// reply is an outbound message held back by the delay query parameter.
type reply struct {
	due time.Time
	typ websocket.MessageType
	p   []byte
}

// serveEcho upgrades the request and echoes until the connection ends.
func (s *Server) serveEcho(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	delay, err := parseDelay(q.Get("delay"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	if !s.enter() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()

	if status, left := s.rejecting(); status != 0 {
		s.rejected.Add(1)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
		http.Error(w, "upgrades are refused for "+left.Round(time.Millisecond).String(), status)
		return
	}
	if !s.reserve() {
		s.rejected.Add(1)
		http.Error(w, fmt.Sprintf("too many connections (max %d)", s.cfg.MaxConns), http.StatusServiceUnavailable)
		return
	}
	defer s.open.Add(-1)

	opts := &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns}
	if q.Get("protocol") != "none" {
		if p := firstSubprotocol(r.Header); p != "" {
			opts.Subprotocols = []string{p}
		}
	}
	hw := &hijackWrapper{ResponseWriter: w}
	ws, err := websocket.Accept(hw, r, opts)
	if err != nil {
		s.logf("echo: refused %s: %v", r.RemoteAddr, err)
		return
	}
	ws.SetReadLimit(s.cfg.ReadLimit)

	c := &conn{s: s, ws: ws, nc: hw.conn, delay: delay}
	if err := s.register(c, hw); err != nil {
		s.logf("echo: refused %s: %v", r.RemoteAddr, err)
		ws.CloseNow()
		return
	}
	defer s.unregister(c)

	s.logf("echo: %s connected (protocol %q, %d open)", r.RemoteAddr, ws.Subprotocol(), s.open.Load())
	err = c.serve()
	s.logf("echo: %s disconnected: %v", r.RemoteAddr, err)
}

// serve runs the read loop and its helpers until the connection ends, and
// returns why it ended.
func (c *conn) serve() error {
	ctx, cancel := context.WithCancel(context.Background())
	var helpers sync.WaitGroup
	defer helpers.Wait()
	defer cancel()

	if c.s.cfg.Keepalive > 0 {
		helpers.Go(func() { c.keepalive(ctx) })
	}
	var replies chan reply
	if c.delay > 0 {
		replies = make(chan reply, 256)
		helpers.Go(func() { c.writeDelayed(ctx, cancel, replies) })
	}

	err := c.readLoop(ctx, replies)
	if errors.Is(err, websocket.ErrMessageTooBig) {
		// The 1009 close frame is out; finish the handshake so that the
		// client reads it before the TCP connection ends.
		c.ws.Close(websocket.StatusMessageTooBig, "")
	}
	c.ws.CloseNow()
	return err
}

// readLoop reads messages and answers them, directly or through replies.
func (c *conn) readLoop(ctx context.Context, replies chan<- reply) error {
	for {
		typ, p, err := c.ws.Read(ctx)
		if err != nil {
			return err
		}
		if c.nc.isSilenced() {
			// Read before silence began; a silenced connection answers
			// nothing.
			continue
		}
		c.s.received.Add(1)

		if typ == websocket.MessageText && string(p) == c.s.cfg.Ping {
			p = []byte(c.s.cfg.Pong)
		} else {
			c.s.log.add(typ, p)
		}

		if replies == nil {
			if err := c.write(ctx, typ, p); err != nil {
				return err
			}
			continue
		}
		select {
		case replies <- reply{due: time.Now().Add(c.delay), typ: typ, p: p}:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// writeDelayed sends replies when they are due. A failed write ends the
// connection through cancel, so that readLoop does not block on a full
// replies channel.
func (c *conn) writeDelayed(ctx context.Context, cancel context.CancelFunc, replies <-chan reply) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		var r reply
		select {
		case <-ctx.Done():
			return
		case r = <-replies:
		}
		t.Reset(time.Until(r.due))
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := c.write(ctx, r.typ, r.p); err != nil {
			cancel()
			return
		}
	}
}

// keepalive sends Pong whenever nothing went out for Keepalive.
func (c *conn) keepalive(ctx context.Context) {
	every := c.s.cfg.Keepalive
	t := time.NewTimer(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		idle := time.Since(c.start) - time.Duration(c.lastWrite.Load())
		if idle < every {
			t.Reset(every - idle)
			continue
		}
		if c.nc.isSilenced() {
			t.Reset(every)
			continue
		}
		if err := c.write(ctx, websocket.MessageText, []byte(c.s.cfg.Pong)); err != nil {
			return
		}
		t.Reset(every)
	}
}

// write sends one message unless the connection is silenced. It counts the
// message before writing it, so that a client that has received a message
// always finds it in Stats; a write that fails because the connection broke
// is counted all the same.
func (c *conn) write(ctx context.Context, typ websocket.MessageType, p []byte) error {
	if c.nc.isSilenced() {
		return nil
	}
	c.s.sent.Add(1)
	if err := c.ws.Write(ctx, typ, p); err != nil {
		return err
	}
	c.lastWrite.Store(int64(time.Since(c.start)))
	return nil
}

// goAway closes the connection with 1001, as Shutdown does.
func (c *conn) goAway() {
	c.ws.Close(websocket.StatusGoingAway, "going away")
}

// drop closes the TCP connection without a close frame. It closes the
// socket first because CloseNow waits for a close handshake in progress.
func (c *conn) drop() {
	c.nc.Close()
	c.ws.CloseNow()
}

// parseDelay parses the delay query parameter, in milliseconds.
func parseDelay(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	ms, err := strconv.Atoi(v)
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxDelay {
		return 0, fmt.Errorf("invalid delay %q: want milliseconds from 0 to %d", v, maxDelay.Milliseconds())
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// firstSubprotocol returns the first subprotocol the client offers, or "".
func firstSubprotocol(h http.Header) string {
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				return p
			}
		}
	}
	return ""
}
