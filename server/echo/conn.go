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

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// maxDelay bounds the delay query parameter of /echo.
const maxDelay = time.Minute

// maxDelayedReplies bounds, besides MaxDelayBacklog's bytes, how many
// replies a connection holds back; beyond it the read loop waits.
const maxDelayedReplies = 1024

// conn is one accepted WebSocket, echoing or, with Config.Upstream,
// proxying to an upstream connection.
type conn struct {
	s        *Server
	ws       *websocket.Conn
	nc       *switchConn
	upstream *websocket.Conn // nil when echoing
	tag      *tagState       // nil when untagged
	delay    time.Duration
	start    time.Time
	remote   string

	// lastWrite is when the last message went out, as time since start, so
	// that it follows the monotonic clock.
	lastWrite atomic.Int64

	// backlog is how many bytes of replies are held back by delay.
	backlog atomic.Int64

	// A reliable connection (wsbeat.reliable.v1) serves a session: joined
	// is closed once it has joined one or never will. It is nil on a
	// plain connection.
	joined   chan struct{}
	joinOnce sync.Once
}

// reply is an outbound message held back by the delay query parameter.
type reply struct {
	due time.Time
	typ websocket.MessageType
	p   []byte
}

// closeError is a reason to close a connection with a status of the
// server's choice.
type closeError struct {
	code   websocket.StatusCode
	reason string
}

func (e *closeError) Error() string {
	return fmt.Sprintf("closed with %d: %s", int(e.code), e.reason)
}

// serveEcho upgrades the request and echoes (or proxies) until the
// connection ends.
func (s *Server) serveEcho(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	delay, err := parseMillis("delay", q.Get("delay"), 0, maxDelay)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	tagName, err := parseTag(q.Get("tag"))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var tag *tagState
	if tagName != "" {
		s.mu.Lock()
		tag, err = s.tags.ensure(tagName)
		s.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}

	if !s.enter() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	defer s.handlers.Done()

	if status, left := s.rejecting(tag); status != 0 {
		s.countRejected(tag)
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(left.Seconds()))))
		http.Error(w, "upgrades are refused for "+left.Round(time.Millisecond).String(), status)
		return
	}
	if !s.reserve() {
		s.countRejected(tag)
		http.Error(w, fmt.Sprintf("too many connections (max %d)", s.cfg.MaxConns), http.StatusServiceUnavailable)
		return
	}
	defer s.open.Add(-1)

	opts := &websocket.AcceptOptions{OriginPatterns: s.cfg.OriginPatterns}
	reliableMode := s.offersReliable(r)
	var upstream *websocket.Conn
	if reliableMode {
		opts.Subprotocols = []string{wire.Subprotocol}
	} else if s.cfg.Upstream != "" {
		upstream, err = s.dialUpstream(r)
		if err != nil {
			s.logf("echo: refused %s: %v", r.RemoteAddr, err)
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer upstream.CloseNow()
		if p := upstream.Subprotocol(); p != "" {
			opts.Subprotocols = []string{p}
		}
	} else if q.Get("protocol") != "none" {
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

	c := &conn{s: s, ws: ws, nc: hw.conn, upstream: upstream, tag: tag, delay: delay, remote: r.RemoteAddr}
	if reliableMode {
		c.joined = make(chan struct{})
	}
	if err := s.register(c, hw); err != nil {
		s.logf("echo: refused %s: %v", r.RemoteAddr, err)
		ws.CloseNow()
		return
	}
	defer s.unregister(c)

	s.logf("echo: %s connected (tag %q, protocol %q, %d open)", r.RemoteAddr, tagName, ws.Subprotocol(), s.open.Load())
	if reliableMode {
		c.serveReliable(r.Context())
		s.logf("echo: %s disconnected", r.RemoteAddr)
		return
	}
	err = c.serve()
	s.logf("echo: %s disconnected: %v", r.RemoteAddr, err)
}

func (s *Server) countRejected(tag *tagState) {
	s.total.rejected.Add(1)
	if tag != nil {
		tag.rejected.Add(1)
	}
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
		replies = make(chan reply, maxDelayedReplies)
		helpers.Go(func() { c.writeDelayed(ctx, cancel, replies) })
	}
	if c.upstream != nil {
		helpers.Go(func() { c.pumpUpstream(ctx, replies) })
	}

	err := c.readLoop(ctx, replies)
	var ce *closeError
	switch {
	case errors.Is(err, websocket.ErrMessageTooBig):
		// The 1009 close frame is out; finish the handshake so that the
		// client reads it before the TCP connection ends.
		c.ws.Close(websocket.StatusMessageTooBig, "")
	case errors.As(err, &ce):
		c.s.logf("echo: %s: closing with %d: %s", c.remote, int(ce.code), ce.reason)
		c.ws.Close(ce.code, ce.reason)
	}
	c.ws.CloseNow()
	if c.upstream != nil {
		c.closeUpstream(err)
	}
	return err
}

// readLoop reads messages and answers them, directly or through replies;
// when proxying, it forwards them upstream instead.
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
		c.countReceived()

		if c.upstream != nil {
			c.s.log.add(c.tagName(), typ, p)
			if err := c.writeTo(ctx, c.upstream, typ, p); err != nil {
				return fmt.Errorf("failed to forward upstream: %w", err)
			}
			continue
		}
		if typ == websocket.MessageText && string(p) == c.s.cfg.Ping {
			p = []byte(c.s.cfg.Pong)
		} else {
			c.s.log.add(c.tagName(), typ, p)
		}
		if err := c.reply(ctx, replies, typ, p); err != nil {
			return err
		}
	}
}

// reply sends p to the client now, or hands it to writeDelayed when the
// connection has a delay. It fails with a closeError when the held-back
// bytes would exceed MaxDelayBacklog.
func (c *conn) reply(ctx context.Context, replies chan<- reply, typ websocket.MessageType, p []byte) error {
	if replies == nil {
		return c.write(ctx, typ, p)
	}
	if n := c.backlog.Add(int64(len(p))); n > c.s.cfg.MaxDelayBacklog {
		c.backlog.Add(-int64(len(p)))
		return &closeError{
			code:   websocket.StatusTryAgainLater,
			reason: fmt.Sprintf("delay backlog over %d bytes", c.s.cfg.MaxDelayBacklog),
		}
	}
	select {
	case replies <- reply{due: time.Now().Add(c.delay), typ: typ, p: p}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
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
		err := c.write(ctx, r.typ, r.p)
		c.backlog.Add(-int64(len(r.p)))
		if err != nil {
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

// write sends one message to the client unless the connection is silenced,
// within WriteTimeout. It counts the message before writing it, so that a
// client that has received a message always finds it in Stats; a write
// that fails because the connection broke is counted all the same.
func (c *conn) write(ctx context.Context, typ websocket.MessageType, p []byte) error {
	if c.nc.isSilenced() {
		return nil
	}
	c.countSent()
	if err := c.writeTo(ctx, c.ws, typ, p); err != nil {
		return err
	}
	c.lastWrite.Store(int64(time.Since(c.start)))
	return nil
}

// writeTo writes one message to ws within WriteTimeout. When the time runs
// out, coder/websocket closes ws.
func (c *conn) writeTo(ctx context.Context, ws *websocket.Conn, typ websocket.MessageType, p []byte) error {
	ctx, cancel := context.WithTimeout(ctx, c.s.cfg.WriteTimeout)
	defer cancel()
	return ws.Write(ctx, typ, p)
}

// countReceived counts a received message for the server and the tag.
func (c *conn) countReceived() { c.s.countReceived(c.tag) }

// countSent counts a sent message for the server and the tag.
func (c *conn) countSent() { c.s.countSent(c.tag) }

// countReceived counts a received message for the server and tag, if any.
func (s *Server) countReceived(tag *tagState) {
	s.total.received.Add(1)
	if tag != nil {
		tag.received.Add(1)
	}
}

// countSent counts a sent message for the server and tag, if any.
func (s *Server) countSent(tag *tagState) {
	s.total.sent.Add(1)
	if tag != nil {
		tag.sent.Add(1)
	}
}

func (c *conn) tagName() string {
	if c.tag == nil {
		return ""
	}
	return c.tag.name
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

// firstSubprotocol returns the first subprotocol the client offers, or "".
func firstSubprotocol(h http.Header) string {
	if ps := subprotocols(h); len(ps) > 0 {
		return ps[0]
	}
	return ""
}

// subprotocols returns the subprotocols the client offers, in order.
func subprotocols(h http.Header) []string {
	var out []string
	for _, v := range h.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}
