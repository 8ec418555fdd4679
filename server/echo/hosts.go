//go:build !js

package echo

import (
	"net"
	"net/netip"
	"path"
	"strings"
)

// hostAllowed reports whether a request's Host header names this server:
// localhost, a name under .localhost, an IP literal, or a name matching
// AllowedHosts. Any other name may be a DNS rebinding attack: a web page on
// evil.example makes its name resolve to 127.0.0.1, and its requests then
// reach this server as same-origin requests with Host evil.example. The
// Origin check cannot catch that; the Host check does.
func (s *Server) hostAllowed(hostport string) bool {
	host := hostname(hostport)
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return true
	}
	for _, p := range s.cfg.AllowedHosts {
		if ok, _ := path.Match(strings.ToLower(p), host); ok {
			return true
		}
	}
	return false
}

// hostname returns the lowercased host of a Host header without its port,
// brackets or trailing dot.
func hostname(hostport string) string {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.ToLower(strings.TrimSuffix(host, "."))
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
