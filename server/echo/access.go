//go:build !js

package echo

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"path"
	"strings"
)

// originAllowed applies websocket.Accept's origin rule to control requests:
// no Origin, the request's own host, or a match of OriginPatterns. It
// reports whether the origin is a foreign one allowed by a pattern, which
// then gets CORS headers.
func (s *Server) originAllowed(r *http.Request) (ok, cross bool) {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true, false
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false, false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true, false
	}
	for _, p := range s.cfg.OriginPatterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true, true
		}
	}
	return false, false
}

// setCORS lets the page at the request's Origin read the answer and send
// Authorization, for an origin that OriginPatterns allows.
func setCORS(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", r.Header.Get("Origin"))
	h.Add("Vary", "Origin")
	if r.Method == http.MethodOptions {
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", "600")
	}
}

// tokenOK reports whether a control request carries Token, as
// "Authorization: Bearer <Token>" or as the query parameter token. Without
// a Token every request passes.
func (s *Server) tokenOK(r *http.Request) bool {
	if s.cfg.Token == "" {
		return true
	}
	got := r.URL.Query().Get("token")
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, cred, _ := strings.Cut(auth, " ")
		if strings.EqualFold(scheme, "Bearer") {
			got = strings.TrimSpace(cred)
		}
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.Token)) == 1
}
