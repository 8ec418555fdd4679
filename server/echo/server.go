//go:build !js

package echo

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config configures a Server. The zero value is a usable echo server without
// control API or static files.
type Config struct {
	// Ping is the text message that is answered with Pong instead of being
	// echoed, so clients can run an application-level heartbeat.
	// Defaults to "ping".
	Ping string

	// Pong is the text sent in reply to Ping and as keepalive.
	// Defaults to "pong".
	Pong string

	// Keepalive, when positive, makes every connection send Pong as a text
	// message after this much outbound silence, so that clients behind
	// proxies that kill idle connections stay alive without client timers.
	// Every write restarts the wait.
	// Defaults to 0 (off).
	Keepalive time.Duration

	// ReadLimit is the largest message the server reads, in bytes. A larger
	// message closes the connection with 1009 (message too big).
	// Defaults to 1 MiB (1<<20) when zero or negative.
	ReadLimit int64

	// MaxConns caps the number of simultaneous WebSocket connections; an
	// upgrade beyond it is refused with 503 before the handshake.
	// Defaults to 0 (unlimited).
	MaxConns int

	// Root is the directory served as static files at "/". Symbolic links
	// that lead outside Root are not followed.
	// Defaults to "" (no static files; such requests get 404).
	Root string

	// Control enables the /control/* API. Leave it off on a server that
	// others can reach: anyone who can reach it can break connections.
	// Defaults to false (404 for /control/*).
	Control bool

	// OriginPatterns lists extra Origin host patterns allowed to open
	// WebSockets and call the control API, matched with path.Match as in
	// websocket.AcceptOptions.OriginPatterns. A request without Origin, or
	// from the same origin, is always allowed.
	// Defaults to none (same origin only).
	OriginPatterns []string

	// HandshakeTimeout is how long a client may take to send the full
	// headers of its upgrade request. The handler cannot enforce it; the
	// command uses it as http.Server.ReadHeaderTimeout, and so should other
	// programs that serve a Server.
	// Defaults to 10s when zero or negative.
	HandshakeTimeout time.Duration

	// Logf, when set, receives one line per connection and control action.
	// Defaults to nil (no logging).
	Logf func(format string, args ...any)
}

const (
	defaultPing             = "ping"
	defaultPong             = "pong"
	defaultReadLimit        = 1 << 20
	defaultHandshakeTimeout = 10 * time.Second

	// maxMessages is how many text messages /control/messages remembers.
	maxMessages = 10000
)

func (cfg Config) withDefaults() Config {
	if cfg.Ping == "" {
		cfg.Ping = defaultPing
	}
	if cfg.Pong == "" {
		cfg.Pong = defaultPong
	}
	if cfg.Keepalive < 0 {
		cfg.Keepalive = 0
	}
	if cfg.ReadLimit <= 0 {
		cfg.ReadLimit = defaultReadLimit
	}
	if cfg.MaxConns < 0 {
		cfg.MaxConns = 0
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = defaultHandshakeTimeout
	}
	cfg.OriginPatterns = append([]string(nil), cfg.OriginPatterns...)
	return cfg
}

// Stats counts connections and messages. Open is always the true number;
// the other counters start at zero and are zeroed by /control/reset.
type Stats struct {
	Open     int   `json:"open"`     // WebSocket connections open now
	Accepted int64 `json:"accepted"` // upgrades accepted since start/reset
	Rejected int64 `json:"rejected"` // upgrades refused (reject window, max conns)
	Received int64 `json:"received"` // messages received (all, pings included)
	Sent     int64 `json:"sent"`     // messages sent (echoes, pongs, keepalives)
}

// Server is the echo and fault-injection handler. Create it with New; its
// methods are safe for concurrent use.
type Server struct {
	cfg    Config
	mux    *http.ServeMux
	static *staticFiles
	log    messageLog

	// open counts WebSocket connections, including the handshake in
	// progress for which a slot is reserved.
	open     atomic.Int64
	accepted atomic.Int64
	rejected atomic.Int64
	received atomic.Int64
	sent     atomic.Int64
	reject   atomic.Pointer[rejectWindow]

	// mu guards conns and closing. Taking it to check closing before
	// handlers.Add orders every Add before Shutdown's Wait.
	mu      sync.Mutex
	conns   map[*conn]struct{}
	closing bool
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
		cfg:   cfg.withDefaults(),
		conns: make(map[*conn]struct{}),
	}
	s.log.max = maxMessages
	if s.cfg.Root != "" {
		s.static = &staticFiles{root: s.cfg.Root}
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

// ServeHTTP serves /echo, /control/* and static files.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mux.ServeHTTP(w, r)
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	return Stats{
		Open:     int(s.open.Load()),
		Accepted: s.accepted.Load(),
		Rejected: s.rejected.Load(),
		Received: s.received.Load(),
		Sent:     s.sent.Load(),
	}
}

// Shutdown refuses new upgrades with 503, closes every WebSocket with 1001
// (going away) and waits for their handlers to return. Silenced connections
// are closed without a close frame. When ctx ends first, the remaining
// connections are closed at once and Shutdown returns ctx.Err().
//
// Shutdown does not stop the HTTP server; call http.Server.Shutdown after it.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
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
	s.accepted.Add(1)
	if err := hw.finishHandshake(http.StatusSwitchingProtocols); err != nil {
		return fmt.Errorf("failed to send handshake response: %w", err)
	}
	c.start = time.Now()
	s.conns[c] = struct{}{}
	return nil
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked()
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
// window is active, or 0.
func (s *Server) rejecting() (int, time.Duration) {
	w := s.reject.Load()
	if w == nil {
		return 0, 0
	}
	left := time.Until(w.until)
	if left <= 0 {
		return 0, 0
	}
	return w.status, left
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// IsLoopback reports whether addr, a host:port or a bare host, names the
// loopback interface: "localhost" or a loopback IP. An empty host (":8080")
// or an unspecified one ("0.0.0.0:80") listens on every interface and is not
// loopback; neither is any other name, whatever it resolves to.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
