//go:build !js

// Package cli is the command line of wsbeat-server, the echo and
// fault-injection server that frontend test suites run against. Both
// cmd/wsbeat-server and the older ./server entry point call Run.
//
//	go install github.com/wsbeat/wsbeat/cmd/wsbeat-server@latest
//	wsbeat-server -static /=public -static /dist/=dist
//	wsbeat-server -upstream ws://127.0.0.1:9000/socket
//
// See docs/server.md for every flag, endpoint and the security model.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wsbeat/wsbeat/server/echo"
)

// Main runs the command under the name prog with os.Args and exits: 0 after
// SIGINT or SIGTERM (or -h), 1 after an error, which it prints.
func Main(prog string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "%s: %v\n", prog, err)
		os.Exit(1)
	}
}

// shutdownTimeout bounds the graceful shutdown, close handshakes included.
const shutdownTimeout = 10 * time.Second

// Run parses args, listens, prints one line saying where and whether the
// control API is on, and serves until ctx ends. Then it closes every
// WebSocket with 1001 and shuts the HTTP server down. Logs and flag errors
// go to stderr; -h returns flag.ErrHelp after printing the usage.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("wsbeat-server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	ping := fs.String("ping", "ping", "text message answered with -pong instead of being echoed")
	pong := fs.String("pong", "pong", "text sent in reply to -ping and as keepalive")
	keepalive := fs.Duration("keepalive", 0, "send -pong after this much outbound silence on a connection (0 = off)")
	readLimit := fs.Int64("read-limit", 1<<20, "largest message in `bytes`; larger ones close with 1009")
	maxConns := fs.Int("max-conns", 1000, "refuse upgrades with 503 beyond this many connections (0 = unlimited)")
	root := fs.String("root", "", "`directory` served as static files at / (same as -static /=DIR)")
	var mounts mountList
	fs.Var(&mounts, "static", "serve a file or directory at a URL path, as `URL=PATH` (repeatable), e.g. -static /=index.html -static /dist/=dist")
	control := fs.Bool("control", false, "enable the control API even when not listening on loopback")
	token := fs.String("token", "", "require `T` for the control API, as Authorization: Bearer T or ?token=T")
	hosts := fs.String("hosts", "", "comma-separated extra host `names` allowed in the Host header (path.Match syntax; \"*\" allows any); localhost, *.localhost and IP addresses always are")
	origins := fs.String("origins", "", "comma-separated extra Origin host `patterns` allowed for WebSockets and the control API (path.Match syntax; same origin is always allowed)")
	upstream := fs.String("upstream", "", "proxy /echo to this ws:// or wss:// `URL` instead of echoing; faults apply to the proxied connections")
	handshakeTimeout := fs.Duration("handshake-timeout", 10*time.Second, "how long a client may take to send its request headers")
	idleTimeout := fs.Duration("idle-timeout", 60*time.Second, "how long an idle keep-alive HTTP connection stays open")
	writeTimeout := fs.Duration("write-timeout", 10*time.Second, "how long one WebSocket message write may take before the connection is closed")
	sessionTTL := fs.Duration("session-ttl", 2*time.Minute, "how long a wsbeat.reliable.v1 session outlives its last connection")
	maxSessions := fs.Int("max-sessions", 1000, "refuse new wsbeat.reliable.v1 sessions with close code 1013 beyond this many (0 = unlimited)")
	quiet := fs.Bool("quiet", false, "do not log connections and control actions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"handshake-timeout", *handshakeTimeout}, {"idle-timeout", *idleTimeout}, {"write-timeout", *writeTimeout}, {"session-ttl", *sessionTTL}} {
		if d.v <= 0 {
			return fmt.Errorf("invalid -%s %v: want a positive duration", d.name, d.v)
		}
	}
	if *readLimit <= 0 {
		return fmt.Errorf("invalid -read-limit %d: want a positive number of bytes", *readLimit)
	}
	if *keepalive < 0 || *maxConns < 0 || *maxSessions < 0 {
		return errors.New("-keepalive, -max-conns and -max-sessions must not be negative")
	}
	if *upstream != "" {
		if u, err := url.Parse(*upstream); err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" {
			return fmt.Errorf("invalid -upstream %q: want a ws:// or wss:// URL", *upstream)
		}
	}
	if *root != "" {
		mounts = append([]echo.Mount{{URL: "/", Path: *root}}, mounts...)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("failed to listen on %q: %w", *addr, err)
	}
	listening := ln.Addr().String()
	controlOn, why := controlDecision(listening, *control)

	cfg := echo.Config{
		Ping:             *ping,
		Pong:             *pong,
		Keepalive:        *keepalive,
		ReadLimit:        *readLimit,
		MaxConns:         *maxConns,
		Mounts:           mounts,
		Control:          controlOn,
		Token:            *token,
		AllowedHosts:     splitList(*hosts),
		OriginPatterns:   splitList(*origins),
		Upstream:         *upstream,
		HandshakeTimeout: *handshakeTimeout,
		WriteTimeout:     *writeTimeout,
		SessionTTL:       *sessionTTL,
		MaxSessions:      *maxSessions,
	}
	if *maxConns == 0 {
		cfg.MaxConns = -1 // unlimited, as asked
	}
	if *maxSessions == 0 {
		cfg.MaxSessions = -1 // unlimited, as asked
	}
	if !*quiet {
		cfg.Logf = log.New(stderr, "", log.LstdFlags).Printf
	}
	s := echo.New(cfg)
	hs := newHTTPServer(s, *handshakeTimeout, *idleTimeout, log.New(stderr, "http: ", log.LstdFlags))

	fmt.Fprintf(stdout, "listening on http://%s (ws://%s/echo %s, %s); %s\n", listening, listening, echoMode(*upstream), describeMounts(mounts), why)

	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("failed to serve: %w", err)
	case <-ctx.Done():
	}

	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	errWS := s.Shutdown(shutdownCtx)
	errHTTP := hs.Shutdown(shutdownCtx)
	<-served
	if err := errors.Join(errWS, errHTTP); err != nil {
		return fmt.Errorf("failed to shut down: %w", err)
	}
	return nil
}

// newHTTPServer returns the HTTP server for h. A client gets headerTimeout
// to send its request headers and an idle keep-alive connection is closed
// after idleTimeout, so that neither a slow client nor a forgotten one holds
// a connection forever. There is no overall read or write timeout: those
// would cut WebSockets, whose writes have their own deadline.
func newHTTPServer(h http.Handler, headerTimeout, idleTimeout time.Duration, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: headerTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          errorLog,
	}
}

// controlDecision reports whether the control API is on for a server
// listening on addr, and a sentence saying why for the start-up line.
func controlDecision(addr string, force bool) (on bool, why string) {
	switch {
	case force:
		return true, "control API on: enabled by -control"
	case echo.IsLoopback(addr):
		return true, "control API on: " + addr + " is loopback"
	default:
		return false, "control API off: listening on " + addr + " is not loopback; pass -control to enable"
	}
}

func echoMode(upstream string) string {
	if upstream == "" {
		return "echoes"
	}
	return "proxies to " + upstream
}

func describeMounts(mounts []echo.Mount) string {
	if len(mounts) == 0 {
		return "no static files"
	}
	parts := make([]string, len(mounts))
	for i, m := range mounts {
		parts[i] = m.URL + " from " + m.Path
	}
	return "static files: " + strings.Join(parts, ", ")
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// mountList is the repeatable -static flag.
type mountList []echo.Mount

func (l *mountList) String() string {
	if l == nil {
		return ""
	}
	return describeMounts(*l)
}

// Set parses URL=PATH. URL must start with "/".
func (l *mountList) Set(v string) error {
	u, p, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(u, "/") || p == "" {
		return fmt.Errorf("want URL=PATH with URL starting with /, such as /dist/=dist")
	}
	*l = append(*l, echo.Mount{URL: u, Path: p})
	return nil
}
