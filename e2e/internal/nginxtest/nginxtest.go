//go:build !js

// Package nginxtest starts Debian's nginx as a WebSocket reverse proxy for
// a test, so that the client can be tested behind the proxy most sites put
// in front of their WebSocket servers, with that proxy's real idle timeout.
//
// nginx runs in the foreground as one process (daemon off, master_process
// off) from a temporary prefix, listening on 127.0.0.1 on a free port,
// logging to stderr, which is shown when the test fails. It proxies
// WebSocket upgrades with proxy_read_timeout (default 3s): when nothing
// passes in either direction for that long, nginx ends the connection with
// a bare TCP FIN, which a browser reports as 1006.
//
// Locations:
//
//	/              proxied to Config.Upstream (WebSocket upgrades allowed)
//	PREFIX         proxied to Config.Routes[PREFIX], for each route
//	= /forbidden   return 403
//	= /bad-gateway proxied to a closed port on 127.0.0.1: 502
//
// When nginx is missing, Start skips the test, unless the environment
// variable CI is set, where it fails it: CI installs nginx, so a missing one
// there is a broken image, not a reason to pass.
package nginxtest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Paths of the fixed locations.
const (
	PathForbidden  = "/forbidden"
	PathBadGateway = "/bad-gateway"
)

// DefaultReadTimeout is nginx's proxy_read_timeout here, when
// Config.ReadTimeout is zero.
const DefaultReadTimeout = 3 * time.Second

// startTimeout bounds how long nginx may take to accept connections.
const startTimeout = 10 * time.Second

// Config configures Start.
type Config struct {
	// Upstream is the host:port that "/" is proxied to.
	// Required.
	Upstream string

	// Routes maps more location prefixes to the host:port they are
	// proxied to, such as {"/sink": hostileAddr}. The path is passed on
	// unchanged.
	// Defaults to none.
	Routes map[string]string

	// ReadTimeout is proxy_read_timeout (and proxy_send_timeout) of every
	// proxied location, in whole seconds.
	// Defaults to 3s.
	ReadTimeout time.Duration
}

// Nginx is one running nginx.
type Nginx struct {
	// Addr is the host:port nginx listens on.
	Addr string
	cmd  *exec.Cmd
	dir  string
	out  *lockedBuffer
}

// Find returns nginx's binary: $NGINX when set, else nginx on $PATH, else
// /usr/sbin/nginx, or an error that says where it looked.
func Find() (string, error) {
	candidates := []string{"nginx", "/usr/sbin/nginx"}
	if env := os.Getenv("NGINX"); env != "" {
		candidates = []string{env}
	}
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("nginxtest: no nginx (looked for %s; apt-get install nginx-light, or set $NGINX)", strings.Join(candidates, ", "))
}

// Path returns Find's binary. When there is none it skips the test, or
// fails it when CI is set.
func Path(tb testing.TB) string {
	tb.Helper()
	p, err := Find()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		tb.Fatal(err)
	}
	tb.Skip(err)
	return ""
}

// Start starts nginx for cfg and stops it in the test's Cleanup. It fails
// the test, with nginx's own output, when nginx does not come up.
func Start(tb testing.TB, cfg Config) *Nginx {
	tb.Helper()
	bin := Path(tb)
	if cfg.Upstream == "" {
		tb.Fatal("nginxtest: Config.Upstream is required")
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	closed, err := closedPort()
	if err != nil {
		tb.Fatalf("nginxtest: %v", err)
	}
	// A free port found by listening and closing can be taken by someone
	// else before nginx binds it; try again with another one then.
	var lastErr error
	for range 3 {
		port, err := closedPort()
		if err != nil {
			tb.Fatalf("nginxtest: %v", err)
		}
		n, err := start(tb, bin, cfg, port, closed)
		if err == nil {
			return n
		}
		lastErr = err
	}
	tb.Fatalf("nginxtest: %v", lastErr)
	return nil
}

func start(tb testing.TB, bin string, cfg Config, port, closed int) (*Nginx, error) {
	dir := tb.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(config(dir, cfg, port, closed)), 0o644); err != nil {
		return nil, err
	}
	n := &Nginx{Addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir, out: &lockedBuffer{}}
	n.cmd = exec.Command(bin, "-e", "stderr", "-p", dir, "-c", conf)
	n.cmd.Stdout = n.out
	n.cmd.Stderr = n.out
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- n.cmd.Wait() }()

	deadline := time.Now().Add(startTimeout)
	for {
		c, err := net.DialTimeout("tcp", n.Addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("nginx exited before it listened (%v):\n%s", err, n.out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.cmd.Process.Kill()
			<-exited
			return nil, fmt.Errorf("nginx did not listen on %s within %v:\n%s", n.Addr, startTimeout, n.out.String())
		}
	}
	tb.Cleanup(func() {
		// SIGQUIT would wait for open WebSockets; SIGTERM is nginx's fast
		// shutdown.
		n.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			n.cmd.Process.Kill()
			<-exited
		}
		if tb.Failed() {
			tb.Logf("nginxtest: nginx output:\n%s", n.out.String())
		}
	})
	return n, nil
}

// URL returns the ws: URL of path through nginx.
func (n *Nginx) URL(path string) string { return "ws://" + n.Addr + path }

// Output returns what nginx wrote to stderr so far.
func (n *Nginx) Output() string { return n.out.String() }

// config renders nginx.conf.
func config(dir string, cfg Config, port, closed int) string {
	secs := int((cfg.ReadTimeout + time.Second - 1) / time.Second)
	proxy := func(upstream string) string {
		return fmt.Sprintf(`proxy_pass http://%s;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection "upgrade";
            proxy_set_header Host $http_host;
            proxy_read_timeout %ds;
            proxy_send_timeout %ds;
            proxy_connect_timeout 2s;
            proxy_buffering off;`, upstream, secs, secs)
	}
	var b strings.Builder
	fmt.Fprintf(&b, `daemon off;
master_process off;
worker_processes 1;
pid %[1]s/logs/nginx.pid;
error_log stderr warn;

events {
    worker_connections 512;
}

http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;

    server {
        listen 127.0.0.1:%[2]d;
        server_name localhost;

        location = %[3]s {
            return 403;
        }
        location = %[4]s {
            %[5]s
        }
`, dir, port, PathForbidden, PathBadGateway, proxy(fmt.Sprintf("127.0.0.1:%d", closed)))
	prefixes := make([]string, 0, len(cfg.Routes))
	for p := range cfg.Routes {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	for _, p := range prefixes {
		fmt.Fprintf(&b, "        location %s {\n            %s\n        }\n", p, proxy(cfg.Routes[p]))
	}
	fmt.Fprintf(&b, "        location / {\n            %s\n        }\n    }\n}\n", proxy(cfg.Upstream))
	return b.String()
}

// closedPort returns a port on 127.0.0.1 that nothing listens on right now.
func closedPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	return port, nil
}

// lockedBuffer collects nginx's output from its two pipes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 256<<10 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
