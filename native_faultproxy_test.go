//go:build !js

package wsbeat_test

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// faultProxy forwards TCP connections to a target and can drop them all,
// silence them (a half-open connection: bytes are read and thrown away in
// both directions, nothing is closed), or refuse new ones.
type faultProxy struct {
	ln     net.Listener
	target atomic.Pointer[string]
	refuse atomic.Bool

	mu    sync.Mutex
	pairs map[*proxyPair]struct{}
	wg    sync.WaitGroup
}

type proxyPair struct {
	client, server net.Conn
	silent         atomic.Bool
}

func (p *proxyPair) close() {
	p.client.Close()
	p.server.Close()
}

func newFaultProxy(t testing.TB, target string) *faultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, "proxy listen", err)
	p := &faultProxy{ln: ln, pairs: make(map[*proxyPair]struct{})}
	p.setTarget(target)
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.drop()
		p.wg.Wait()
	})
	return p
}

// url returns the ws: URL of path through the proxy.
func (p *faultProxy) url(path string) string { return "ws://" + p.ln.Addr().String() + path }

// setTarget sets where new connections go: host:port or an http:// URL.
func (p *faultProxy) setTarget(target string) {
	target = strings.TrimPrefix(target, "http://")
	p.target.Store(&target)
}

func (p *faultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if p.refuse.Load() {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", *p.target.Load())
		if err != nil {
			c.Close()
			continue
		}
		pair := &proxyPair{client: c, server: s}
		p.mu.Lock()
		p.pairs[pair] = struct{}{}
		p.mu.Unlock()
		p.wg.Add(2)
		go p.pipe(pair, c, s)
		go p.pipe(pair, s, c)
	}
}

func (p *faultProxy) pipe(pair *proxyPair, from, to net.Conn) {
	defer p.wg.Done()
	defer func() {
		pair.close()
		p.mu.Lock()
		delete(p.pairs, pair)
		p.mu.Unlock()
	}()
	buf := make([]byte, 32<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 && !pair.silent.Load() {
			if _, werr := to.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// drop closes every connection at once, without a close frame.
func (p *faultProxy) drop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pair := range p.pairs {
		pair.close()
	}
}

// silence turns every current connection into a black hole.
func (p *faultProxy) silence() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for pair := range p.pairs {
		pair.silent.Store(true)
	}
}
