package reliable

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// ErrTooManySessions: a hello would start a session beyond
// Options.MaxSessions; the connection is closed with 1013 (try again later)
// and no session starts.
var ErrTooManySessions = errors.New("wsbeat.reliable: too many sessions")

// A Server accepts wsbeat.reliable.v1 connections and runs the
// application's handler once per session.
type Server struct {
	opts   Options
	handle func(context.Context, *Session)
	owner  string // this instance, in the Store

	mu       sync.Mutex
	sessions map[string]*Session // the sessions this instance serves
	closed   bool
	wg       sync.WaitGroup // handlers and connections
}

// NewServer returns a Server that calls handle, in a goroutine of its own,
// for every session it starts: a new one, or one it takes over from
// another instance through a shared Store (Session.Resumed). ctx ends when
// the session does; when handle returns, the session is closed.
func NewServer(opts *Options, handle func(ctx context.Context, s *Session)) *Server {
	return &Server{
		opts:     opts.withDefaults(),
		handle:   handle,
		owner:    newID(),
		sessions: make(map[string]*Session),
	}
}

// Offered reports whether the request offers the subprotocol
// wsbeat.reliable.v1, so that one path can serve reliable and plain
// clients.
func Offered(r *http.Request) bool {
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if strings.TrimSpace(p) == wire.Subprotocol {
				return true
			}
		}
	}
	return false
}

// ServeHTTP accepts one connection of a session. A request that does not
// offer wsbeat.reliable.v1 gets 400 Bad Request without an upgrade: the
// protocol never falls back to plain messages.
func (srv *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !Offered(r) {
		http.Error(w, "wsbeat.reliable: the WebSocket subprotocol "+wire.Subprotocol+" is required", http.StatusBadRequest)
		return
	}
	ao := websocket.AcceptOptions{}
	if srv.opts.AcceptOptions != nil {
		ao = *srv.opts.AcceptOptions
	}
	ao.Subprotocols = []string{wire.Subprotocol}
	ws, err := websocket.Accept(w, r, &ao)
	if err != nil {
		srv.opts.Logf("wsbeat.reliable: accept: %v", err)
		return
	}
	srv.ServeConn(r.Context(), ws, nil)
}

// ServeConn serves ws, a connection that the caller accepted with the
// subprotocol wsbeat.reliable.v1 selected (check it with Offered first),
// until it ends, and closes it. It lets a caller that needs its own
// upgrade (a wrapped connection, its own bookkeeping) serve reliable
// clients; ServeHTTP is Accept and then ServeConn. ctx bounds the wait
// for the client's hello. joined, if not nil, is called with the session
// the connection joined once it has, before the welcome is sent; it must
// not block.
func (srv *Server) ServeConn(ctx context.Context, ws *websocket.Conn, joined func(*Session)) {
	defer ws.CloseNow()
	if p := ws.Subprotocol(); p != wire.Subprotocol {
		ws.Close(wire.CodeProtocolError, truncate("wsbeat.reliable: subprotocol "+wire.Subprotocol+" not selected (got \""+p+"\")"))
		return
	}
	ws.SetReadLimit(int64(srv.opts.Limits.Bytes) + 32)

	hello, err := srv.readHello(ctx, ws)
	if err != nil {
		srv.opts.Logf("wsbeat.reliable: %v", err)
		ws.Close(wire.CodeProtocolError, truncate(err.Error()))
		return
	}
	// A session that ends between the lookup and the attach is forgotten
	// by then: the second lookup finds it gone.
	for range 2 {
		s, err := srv.session(ctx, hello.Session)
		if errors.Is(err, ErrTooManySessions) {
			// The client keeps what it has and tries again later.
			srv.opts.Logf("wsbeat.reliable: %v", err)
			ws.Close(websocket.StatusTryAgainLater, truncate(err.Error()))
			return
		}
		if err != nil {
			srv.opts.Logf("wsbeat.reliable: %v", err)
			ws.Close(websocket.StatusInternalError, truncate(err.Error()))
			return
		}
		received := hello.Seq
		if s.id != hello.Session {
			received = 0 // a new session: what the client had is gone
		}
		c := newConn(s, ws)
		err = s.attach(c, received)
		if errors.Is(err, wire.ErrProtocol) {
			srv.opts.Logf("wsbeat.reliable: session %s: %v", s.id, err)
			ws.Close(wire.CodeProtocolError, truncate(err.Error()))
			return
		}
		if err == nil {
			if joined != nil {
				joined(s)
			}
			c.serve()
			return
		}
	}
	ws.Close(websocket.StatusInternalError, "wsbeat.reliable: no session")
}

func (srv *Server) readHello(ctx context.Context, ws *websocket.Conn) (wire.Frame, error) {
	ctx, cancel := context.WithTimeout(ctx, srv.opts.HelloTimeout)
	defer cancel()
	typ, b, err := ws.Read(ctx)
	if err != nil {
		return wire.Frame{}, errors.New("no hello: " + err.Error())
	}
	f, _, err := wire.Decode(typ == websocket.MessageBinary, b)
	if err != nil {
		return wire.Frame{}, err
	}
	if f.Kind != wire.Hello {
		return wire.Frame{}, errors.New("wsbeat.reliable: protocol error: " + f.Kind.String() + " before hello")
	}
	return f, nil
}

// session returns the session to serve: the one named if this instance
// serves it or the Store has it, else a new one.
func (srv *Server) session(ctx context.Context, id string) (*Session, error) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.closed {
		return nil, errors.New("wsbeat.reliable: server closed")
	}
	if s := srv.sessions[id]; s != nil && id != "" {
		return s, nil
	}
	if srv.opts.MaxSessions > 0 && len(srv.sessions) >= srv.opts.MaxSessions {
		return nil, fmt.Errorf("%w (max %d)", ErrTooManySessions, srv.opts.MaxSessions)
	}
	if id != "" {
		st, err := srv.opts.Store.Claim(ctx, id, srv.owner, srv.opts.TTL)
		if err == nil {
			s := newSession(srv, id, true)
			s.out.Restore(st.Acked, st.Pending)
			s.in.Restore(st.Delivered)
			srv.start(s)
			return s, nil
		}
		if !errors.Is(err, ErrUnknownSession) {
			return nil, errors.New("wsbeat.reliable: store: " + err.Error())
		}
	}
	s := newSession(srv, newID(), false)
	if err := srv.opts.Store.Create(ctx, s.id, srv.owner, srv.opts.TTL); err != nil {
		return nil, errors.New("wsbeat.reliable: store: " + err.Error())
	}
	srv.start(s)
	return s, nil
}

// start runs the handler of s; srv.mu is held.
func (srv *Server) start(s *Session) {
	srv.sessions[s.id] = s
	srv.wg.Add(1)
	go func() {
		defer srv.wg.Done()
		defer s.Close()
		srv.handle(s.ctx, s)
	}()
}

// forget removes s from the sessions served.
func (srv *Server) forget(s *Session) {
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.sessions[s.id] == s {
		delete(srv.sessions, s.id)
	}
}

// Close ends every session (their handlers see ErrServerClosed), refuses
// new connections, and waits for the handlers to return. The sessions stay
// in the Store, so that a shared store lets them resume elsewhere.
func (srv *Server) Close() {
	srv.mu.Lock()
	srv.closed = true
	ss := make([]*Session, 0, len(srv.sessions))
	for _, s := range srv.sessions {
		ss = append(ss, s)
	}
	srv.mu.Unlock()
	for _, s := range ss {
		s.end(ErrServerClosed, false)
	}
	srv.wg.Wait()
}

// newID returns a random session or instance id: 22 characters of
// base64url, 128 bits.
func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// truncate keeps a close reason within the 123 bytes a close frame holds.
func truncate(s string) string {
	if len(s) > 123 {
		return s[:123]
	}
	return s
}
