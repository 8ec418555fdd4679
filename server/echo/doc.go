//go:build !js

// Package echo is wsbeat's echo and fault-injection server: a WebSocket echo
// endpoint (or a proxy to an upstream server), a control API that breaks
// connections on demand, and a static file server for the browser demo and
// tests. docs/server.md documents it for users of the wsbeat-server command.
//
// A *Server is an http.Handler, so Go tests start it in-process:
//
//	s := echo.New(echo.Config{Control: true})
//	ts := httptest.NewServer(s)
//	defer ts.Close()
//	defer s.Shutdown(context.Background())
//
// Call Shutdown before or after closing the httptest.Server: an
// httptest.Server does not wait for hijacked connections, so only Shutdown
// guarantees that every WebSocket handler has returned.
//
// # Routes
//
// Every request whose Host is not localhost, a name under .localhost, an IP
// literal or one of Config.AllowedHosts gets 403 first.
//
//   - /echo: WebSocket. Echoes every message with its type. A text message
//     equal to Config.Ping is answered with Config.Pong instead. The first
//     subprotocol the client offers is accepted, unless the query has
//     protocol=none. delay=MS delays every reply (echoes and pongs) by MS
//     milliseconds; tag=T puts the connection in tag T. With
//     Config.Upstream, messages go to and come from the upstream server
//     instead. A client that offers wsbeat.reliable.v1 (and no Upstream,
//     no protocol=none) is served by a reliable session instead: see
//     below.
//   - /control/*: the control API, only when Config.Control is true (404
//     otherwise), with Config.Token when set. POST silence, drop,
//     close?code=N&reason=R, reject?ms=N&status=S, send and reset answer
//     {"ok":true,"affected":N}; GET stats, messages and
//     wait?open=N&timeout=MS answer JSON. Each takes tag=T and then acts on
//     T's connections only. All answers are Cache-Control: no-store.
//   - everything else: static files from Config.Root and Config.Mounts,
//     with precompressed .br and .gz variants, strong ETags, no directory
//     listings and no dotfiles.
//
// # Defaults
//
//	Field             Default
//	Ping              "ping"
//	Pong              "pong"
//	Keepalive         0 (off)
//	ReadLimit         1 MiB (1<<20 bytes)
//	MaxConns          1000 (negative: unlimited)
//	Root, Mounts      none (no static files)
//	Control           false
//	Token             "" (none)
//	AllowedHosts      none (localhost, *.localhost, IP literals)
//	OriginPatterns    none (same origin only)
//	Upstream          "" (echo)
//	HandshakeTimeout  10s
//	WriteTimeout      10s
//	MaxDelayBacklog   4 MiB
//	SessionTTL        2 minutes
//	MaxSessions       1000 (negative: unlimited)
//	Logf              no logging
//
// The message log keeps at most 10000 messages and 8 MiB.
//
// # Faults
//
// A silenced connection neither reads nor writes: its TCP receive buffer
// fills, no echo, pong, keepalive or protocol-level pong leaves, and the
// client sees a half-open connection. It stays open until the client goes
// away, drop, or Shutdown. On Linux the server notices a client that went
// away by the socket's TCP state; elsewhere a silenced connection lingers
// until drop or Shutdown. close ignores silenced connections, because a close
// frame would break the silence.
//
// # Reliable sessions
//
// A client that offers the subprotocol wsbeat.reliable.v1 is served by a
// session of a reliable.Server (docs/reliable.md) whose application
// echoes every message, records it in the message log once (replays are
// not delivered twice, so not logged twice) and counts it in Stats.
// Received and Stats.Sent. The faults reach its connections as they reach
// plain ones, and the session survives them for SessionTTL; send writes
// into the sessions of the tag, even between connections; reset ends them.
//
// The package builds on every GOOS except js, where coder/websocket has no
// server side.
package echo
