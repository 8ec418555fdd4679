//go:build !js

package echo

import "time"

// Config configures a Server. The zero value is a usable echo server without
// control API or static files, reachable only under local host names.
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
	// message closes the connection with 1009 (message too big). It also
	// bounds the body of POST /control/send.
	// Defaults to 1 MiB (1<<20) when zero or negative.
	ReadLimit int64

	// MaxConns caps the number of simultaneous WebSocket connections; an
	// upgrade beyond it is refused with 503 before the handshake.
	// Defaults to 1000 when zero; negative means unlimited.
	MaxConns int

	// Root is the directory served as static files at "/". It is the same
	// as a Mount{URL: "/", Path: Root} listed before Mounts.
	// Defaults to "" (no static files; such requests get 404).
	Root string

	// Mounts serves files and directories at chosen URL paths, such as
	// {"/dist/", "dist"} or {"/", "index.html"}; see Mount. Symbolic links
	// that lead outside a mounted directory are not followed, and no file
	// or directory whose name starts with "." is served.
	// Defaults to none.
	Mounts []Mount

	// Control enables the /control/* API. Leave it off on a server that
	// others can reach: anyone who can reach it can break connections.
	// Defaults to false (404 for /control/*).
	Control bool

	// Token, when set, is required by the control API as
	// "Authorization: Bearer <Token>" or as the query parameter token;
	// requests without it get 401.
	// Defaults to "" (no token).
	Token string

	// AllowedHosts lists host names, besides localhost, *.localhost and IP
	// literals, that requests may carry in their Host header, matched
	// without the port and case-insensitively with path.Match ("*" allows
	// every name). A request for any other host gets 403 on every path, so
	// that a web page whose name is made to resolve to this server (DNS
	// rebinding) can neither use it nor read its files.
	// Defaults to none.
	AllowedHosts []string

	// OriginPatterns lists extra Origin host patterns allowed to open
	// WebSockets and call the control API (with CORS), matched with
	// path.Match as in websocket.AcceptOptions.OriginPatterns. A request
	// without Origin, or from the same origin, is always allowed.
	// Defaults to none (same origin only).
	OriginPatterns []string

	// Upstream, when set, turns /echo into a proxy to this ws:// or wss://
	// URL: messages pass both ways unchanged, and every fault applies to
	// the proxied connections. See the package documentation.
	// Defaults to "" (echo).
	Upstream string

	// HandshakeTimeout is how long a client may take to send the full
	// headers of its upgrade request. The handler cannot enforce it; the
	// command uses it as http.Server.ReadHeaderTimeout, and so should other
	// programs that serve a Server. It also bounds the dial to Upstream.
	// Defaults to 10s when zero or negative.
	HandshakeTimeout time.Duration

	// WriteTimeout bounds every message write; a client that does not read
	// for this long loses its connection instead of holding a goroutine and
	// its buffers forever.
	// Defaults to 10s when zero or negative.
	WriteTimeout time.Duration

	// MaxDelayBacklog bounds, per connection, the bytes held back by the
	// delay query parameter. A message that would exceed it closes the
	// connection with 1013 (try again later) and a log line.
	// Defaults to 4 MiB when zero or negative.
	MaxDelayBacklog int64

	// SessionTTL is how long a reliable session (a client of /echo that
	// offers wsbeat.reliable.v1) outlives its last connection: a client
	// that comes back within it resumes without losing a message; one
	// that comes back later starts a new session.
	// Defaults to 2 minutes when zero or negative.
	SessionTTL time.Duration

	// MaxSessions caps the reliable sessions alive at once; a hello that
	// would start one more is refused with close code 1013 (try again
	// later), before any welcome, and the client retries without losing
	// anything. A session counts until it ends, up to SessionTTL after
	// its last connection.
	// Defaults to 1000 when zero; negative means unlimited.
	MaxSessions int

	// Logf, when set, receives one line per connection and control action.
	// Defaults to nil (no logging).
	Logf func(format string, args ...any)
}

// Mount serves Path, a file or a directory on disk, at the URL path URL. A
// directory is served under URL as a prefix (URL gets a trailing "/" if it
// has none); a file is served at exactly URL. The longest matching URL wins.
type Mount struct {
	URL  string
	Path string
}

const (
	defaultPing             = "ping"
	defaultPong             = "pong"
	defaultReadLimit        = 1 << 20
	defaultMaxConns         = 1000
	defaultHandshakeTimeout = 10 * time.Second
	defaultWriteTimeout     = 10 * time.Second
	defaultMaxDelayBacklog  = 4 << 20
	defaultSessionTTL       = 2 * time.Minute
	defaultMaxSessions      = 1000

	// maxMessages and maxLogBytes bound the log of /control/messages: at
	// most this many messages, of at most this many bytes in all.
	maxMessages = 10000
	maxLogBytes = 8 << 20
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
	switch {
	case cfg.MaxConns == 0:
		cfg.MaxConns = defaultMaxConns
	case cfg.MaxConns < 0:
		cfg.MaxConns = -1
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = defaultHandshakeTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = defaultWriteTimeout
	}
	if cfg.MaxDelayBacklog <= 0 {
		cfg.MaxDelayBacklog = defaultMaxDelayBacklog
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = defaultSessionTTL
	}
	switch {
	case cfg.MaxSessions == 0:
		cfg.MaxSessions = defaultMaxSessions
	case cfg.MaxSessions < 0:
		cfg.MaxSessions = -1
	}
	cfg.OriginPatterns = append([]string(nil), cfg.OriginPatterns...)
	cfg.AllowedHosts = append([]string(nil), cfg.AllowedHosts...)
	cfg.Mounts = append([]Mount(nil), cfg.Mounts...)
	return cfg
}
