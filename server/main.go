//go:build !js

// Command server runs wsbeat's echo and fault-injection server: a WebSocket
// echo at /echo, the control API at /control/*, and static files from -root.
//
//	go run ./server                       # http://127.0.0.1:8080, control API on
//	go run ./server -addr :8080 -control  # every interface, control API forced on
//
// The control API is on when the server listens on a loopback address or
// when -control is given; anyone who can reach it can break connections.
// Browsers may open WebSockets from the server's own origin; -origins adds
// other origins (comma-separated host patterns in path.Match syntax, for
// example "localhost:5173,*.example.com"). SIGINT or SIGTERM closes every
// WebSocket with 1001 (going away) and stops.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wsbeat/wsbeat/server/echo"
)

// shutdownTimeout bounds the graceful shutdown, close handshakes included.
const shutdownTimeout = 10 * time.Second

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
	case err != nil:
		fmt.Fprintf(os.Stderr, "server: %v\n", err)
		os.Exit(1)
	}
}

// run parses args, listens, prints one line saying where and whether the
// control API is on, and serves until ctx ends. Then it closes every
// WebSocket with 1001 and shuts the HTTP server down. Logs and flag errors
// go to stderr.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen `address`")
	ping := fs.String("ping", "ping", "text message answered with -pong instead of being echoed")
	pong := fs.String("pong", "pong", "text sent in reply to -ping and as keepalive")
	keepalive := fs.Duration("keepalive", 0, "send -pong after this much outbound silence on a connection (0 = off)")
	readLimit := fs.Int64("read-limit", 1<<20, "largest message in `bytes`; larger ones close with 1009")
	maxConns := fs.Int("max-conns", 0, "refuse upgrades with 503 beyond this many connections (0 = unlimited)")
	root := fs.String("root", ".", "`directory` served as static files (\"\" = none)")
	control := fs.Bool("control", false, "enable the control API even when not listening on loopback")
	origins := fs.String("origins", "", "comma-separated extra Origin host `patterns` allowed for WebSockets and the control API (path.Match syntax; same origin is always allowed)")
	handshakeTimeout := fs.Duration("handshake-timeout", 10*time.Second, "how long a client may take to send its upgrade request headers")
	quiet := fs.Bool("quiet", false, "do not log connections and control actions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *handshakeTimeout <= 0 {
		return fmt.Errorf("invalid -handshake-timeout %v: want a positive duration", *handshakeTimeout)
	}
	if *readLimit <= 0 {
		return fmt.Errorf("invalid -read-limit %d: want a positive number of bytes", *readLimit)
	}
	if *keepalive < 0 || *maxConns < 0 {
		return errors.New("-keepalive and -max-conns must not be negative")
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
		Root:             *root,
		Control:          controlOn,
		OriginPatterns:   splitList(*origins),
		HandshakeTimeout: *handshakeTimeout,
	}
	if !*quiet {
		cfg.Logf = log.New(stderr, "", log.LstdFlags).Printf
	}
	s := echo.New(cfg)
	hs := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: cfg.HandshakeTimeout,
		ErrorLog:          log.New(stderr, "http: ", log.LstdFlags),
	}

	static := "no static files"
	if *root != "" {
		static = "static files from " + *root
	}
	fmt.Fprintf(stdout, "listening on http://%s (ws://%s/echo, %s); %s\n", listening, listening, static, why)

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
