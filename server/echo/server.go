//go:build !js

package echo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbeat/wsbeat/reliable"
)

// Stats counts connections and messages, of the whole server or of one tag.
// Open is always the true number; the other counters start at zero and are
// zeroed by /control/reset.
type Stats struct {
	Open     int   `json:"open"`     // WebSocket connections open now
	Accepted int64 `json:"accepted"` // upgrades accepted since start/reset
	Rejected int64 `json:"rejected"` // upgrades refused (reject window, max conns)
	Received int64 `json:"received"` // messages received (all, pings included; reliable sessions: application messages, once each)
	Sent     int64 `json:"sent"`     // messages sent (echoes, pongs, keepalives, sends; reliable sessions: application messages, once each)
}

// Server is the echo and fault-injection handler. Create it with New; its
// methods are safe for concurrent use.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	static *staticFiles
	log    messageLog
	rel    *reliable.Server // serves /echo's wsbeat.reliable.v1 clients

	// open counts WebSocket connections, including the handshake in
	// progress for which a slot is reserved.
	open    atomic.Int64
	total   counters
	waiting atomic.Int64 // /control/wait requests in progress

	// mu guards conns, sessions, tags, changed and closing. Taking it to check
	// closing before handlers.Add orders every Add before Shutdown's Wait.
	mu    sync.Mutex
	conns map[*conn]struct{}
	// sessions are the live reliable sessions.
	sessions map[*reliable.Session]*sessionState
	tags     tagTable
	changed  chan struct{} // closed and replaced whenever conns changes
	closing  bool
	done     chan struct{} // closed when Shutdown begins
	reject   *rejectWindow // for every upgrade, tagged or not
	// handlers counts WebSocket handlers and background close handshakes.
	handlers sync.WaitGroup
}

// rejectWindow is a period during which upgrades are refused.
type rejectWindow struct {
	until  time.Time
	status int
}

// New returns a Server for cfg. Defaults are filled into a copy, so cfg may
// be reused.
func New(cfg Config) *Server {
	s := &Server{
		cfg:      cfg.withDefaults(),
		conns:    make(map[*conn]struct{}),
		sessions: make(map[*reliable.Session]*sessionState),
		changed:  make(chan struct{}),
		done:     make(chan struct{}),
	}
	s.rel = s.newReliable()
	s.log.maxCount = maxMessages
	s.log.maxBytes = maxLogBytes
	mounts := s.cfg.Mounts
	if s.cfg.Root != "" {
		mounts = append([]Mount{{URL: "/", Path: s.cfg.Root}}, mounts...)
	}
	if len(mounts) > 0 {
		s.static = newStaticFiles(mounts)
	}

	s.mux = http.NewServeMux()
	s.mux.HandleFunc("/echo", s.serveEcho)
	if s.cfg.Control {
		s.mux.Handle("/control/", s.controlHandler())
	} else {
		s.mux.Handle("/control/", http.NotFoundHandler())
	}
	if s.static != nil {
		s.mux.Handle("/", s.static)
	} else {
		s.mux.Handle("/", http.NotFoundHandler())
	}
	return s
}

// ServeHTTP refuses requests for hosts that are not allowed with 403 and
// serves /echo, /control/* and static files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !s.hostAllowed(r.Host) {
		s.logf("refused %s %s from %s: host %q not allowed", r.Method, r.URL.Path, r.RemoteAddr, r.Host)
		http.Error(w, fmt.Sprintf("host %q is not allowed: only localhost, *.localhost, IP addresses and the names given with AllowedHosts (-hosts)", r.Host), http.StatusForbidden)
		return
	}
	s.mux.ServeHTTP(w, r)
}

// Stats returns the counters of the whole server.
func (s *Server) Stats() Stats {
	st := s.total.stats()
	st.Open = int(s.open.Load())
	return st
}

// TagStats returns the counters of the connections tagged tag; Open counts
// its open connections.
func (s *Server) TagStats(tag string) Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tagStatsLocked(tag)
}

func (s *Server) tagStatsLocked(tag string) Stats {
	var st Stats
	if ts := s.tags.get(tag); ts != nil {
		st = ts.counters.stats()
		st.Open = ts.open
	}
	return st
}

// Shutdown refuses new upgrades with 503, closes every WebSocket with 1001
// (going away), waits for their handlers to return, then ends every
// reliable session and waits for its handler. Silenced connections are
// closed without a close frame. When ctx ends first, the remaining
// connections are closed at once and Shutdown returns ctx.Err().
//
// Shutdown does not stop the HTTP server; call http.Server.Shutdown after it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.closing {
		close(s.done)
	}
	s.closing = true
	conns := s.snapshotLocked()
	s.mu.Unlock()

	var closers sync.WaitGroup
	for _, c := range conns {
		if c.nc.isSilenced() {
			c.drop()
			continue
		}
		closers.Go(func() { c.goAway() })
	}

	done := make(chan struct{})
	go func() {
		s.handlers.Wait()
		closers.Wait()
		// Every connection is gone: end the sessions and wait for their
		// handlers.
		s.rel.Close()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}

	s.mu.Lock()
	conns = s.snapshotLocked()
	s.mu.Unlock()
	for _, c := range conns {
		c.drop()
	}
	return ctx.Err()
}

// enter registers a handler unless the server is shutting down, so that
// Shutdown waits for it.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.handlers.Add(1)
	return true
}

// goTracked runs f in a goroutine that Shutdown waits for, unless Shutdown
// has begun.
func (s *Server) goTracked(f func()) bool {
	if !s.enter() {
		return false
	}
	go func() {
		defer s.handlers.Done()
		f()
	}()
	return true
}

// register completes the handshake of c and tracks it for control actions
// and Shutdown. Both happen under s.mu, so a control action either sees c or
// runs before the client has its 101 response. Once Shutdown has begun, the
// client gets 503 instead and register fails.
func (s *Server) register(c *conn, hw *hijackWrapper) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		hw.finishHandshake(http.StatusServiceUnavailable)
		return errors.New("server is shutting down")
	}
	// Count first: a client that has its 101 finds itself in Stats.
	s.total.accepted.Add(1)
	if c.tag != nil {
		c.tag.accepted.Add(1)
	}
	if err := hw.finishHandshake(http.StatusSwitchingProtocols); err != nil {
		return fmt.Errorf("failed to send handshake response: %w", err)
	}
	c.start = time.Now()
	s.conns[c] = struct{}{}
	if c.tag != nil {
		c.tag.open++
	}
	s.changedLocked()
	return nil
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.conns, c)
	if c.tag != nil {
		c.tag.open--
	}
	s.changedLocked()
}

// changedLocked wakes every /control/wait request.
func (s *Server) changedLocked() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// snapshot returns the open connections of tag, or all of them when tag is
// "".
func (s *Server) snapshot(tag string) []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		if tag == "" || (c.tag != nil && c.tag.name == tag) {
			conns = append(conns, c)
		}
	}
	return conns
}

func (s *Server) snapshotLocked() []*conn {
	conns := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

// reserve takes a connection slot, or reports false when MaxConns are open.
func (s *Server) reserve() bool {
	for {
		n := s.open.Load()
		if s.cfg.MaxConns > 0 && n >= int64(s.cfg.MaxConns) {
			return false
		}
		if s.open.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// rejecting returns the refusal status and the time left while a reject
// window for every upgrade or for tag's is active, or 0. When both are,
// the one that ends later wins.
func (s *Server) rejecting(tag *tagState) (int, time.Duration) {
	s.mu.Lock()
	windows := []*rejectWindow{s.reject}
	if tag != nil {
		windows = append(windows, tag.reject)
	}
	s.mu.Unlock()
	status, left := 0, time.Duration(0)
	for _, w := range windows {
		if w == nil {
			continue
		}
		if l := time.Until(w.until); l > left {
			status, left = w.status, l
		}
	}
	return status, left
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}
