//go:build !js

package echo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
)

const (
	// maxRejectWindow bounds the ms parameter of /control/reject.
	maxRejectWindow = 10 * time.Minute

	// maxCloseReason is the longest close reason that fits a control frame.
	maxCloseReason = 123
)

// controlResult is the answer to every successful POST.
type controlResult struct {
	OK       bool `json:"ok"`
	Affected int  `json:"affected"`
}

// controlError is the answer to a refused control request.
type controlError struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

// controlHandler serves /control/*. Every answer is Cache-Control: no-store,
// and a request from a foreign Origin is refused like a WebSocket upgrade
// would be, so that a web page elsewhere cannot break connections.
func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /control/silence", s.controlSilence)
	mux.HandleFunc("POST /control/drop", s.controlDrop)
	mux.HandleFunc("POST /control/close", s.controlClose)
	mux.HandleFunc("POST /control/reject", s.controlReject)
	mux.HandleFunc("POST /control/reset", s.controlReset)
	mux.HandleFunc("GET /control/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.Stats())
	})
	mux.HandleFunc("GET /control/messages", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, s.log.messages())
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !s.originAllowed(r) {
			writeJSON(w, http.StatusForbidden, controlError{
				Error: fmt.Sprintf("origin %q may not use the control API; allow it with OriginPatterns (-origins)", r.Header.Get("Origin")),
			})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// controlSilence silences every open connection that is not silenced yet.
func (s *Server) controlSilence(w http.ResponseWriter, r *http.Request) {
	n := 0
	for _, c := range s.snapshot() {
		if c.nc.silence() {
			n++
		}
	}
	s.logf("control: silenced %d connections", n)
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: n})
}

// controlDrop ends every open connection's TCP connection without a close
// frame, silenced ones included.
func (s *Server) controlDrop(w http.ResponseWriter, r *http.Request) {
	conns := s.snapshot()
	for _, c := range conns {
		c.drop()
	}
	s.logf("control: dropped %d connections", len(conns))
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: len(conns)})
}

// controlClose starts the close handshake, with the given code and reason,
// on every connection that is not silenced. It answers at once: a client
// that reads only after the answer still finds the close frame, and the
// handshakes finish in the background (within 5s each), with Shutdown
// waiting for them.
func (s *Server) controlClose(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	code, err := strconv.Atoi(q.Get("code"))
	if err != nil || !validCloseCode(code) {
		writeJSON(w, http.StatusBadRequest, controlError{
			Error: fmt.Sprintf("invalid close code %q: want 1000-1003, 1007-1014 or 3000-4999", q.Get("code")),
		})
		return
	}
	reason := q.Get("reason")
	if len(reason) > maxCloseReason || !utf8.ValidString(reason) {
		writeJSON(w, http.StatusBadRequest, controlError{
			Error: fmt.Sprintf("invalid close reason %q: want valid UTF-8 of at most %d bytes", reason, maxCloseReason),
		})
		return
	}

	n := 0
	for _, c := range s.snapshot() {
		if c.nc.isSilenced() {
			continue
		}
		if s.goTracked(func() { c.ws.Close(websocket.StatusCode(code), reason) }) {
			n++
		}
	}
	s.logf("control: closed %d connections with %d %q", n, code, reason)
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: n})
}

// controlReject refuses upgrades for ms milliseconds from now with status.
func (s *Server) controlReject(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	ms, err := strconv.Atoi(q.Get("ms"))
	if err != nil || ms < 0 || time.Duration(ms)*time.Millisecond > maxRejectWindow {
		writeJSON(w, http.StatusBadRequest, controlError{
			Error: fmt.Sprintf("invalid ms %q: want milliseconds from 0 to %d", q.Get("ms"), maxRejectWindow.Milliseconds()),
		})
		return
	}
	status := http.StatusServiceUnavailable
	if v := q.Get("status"); v != "" {
		status, err = strconv.Atoi(v)
		if err != nil || status < 400 || status > 599 {
			writeJSON(w, http.StatusBadRequest, controlError{
				Error: fmt.Sprintf("invalid status %q: want an HTTP status from 400 to 599", v),
			})
			return
		}
	}
	s.reject.Store(&rejectWindow{until: time.Now().Add(time.Duration(ms) * time.Millisecond), status: status})
	s.logf("control: refusing upgrades with %d for %dms", status, ms)
	writeJSON(w, http.StatusOK, controlResult{OK: true})
}

// controlReset ends the reject window, forgets the message log and zeroes
// every counter but Open. Silenced connections stay silenced.
func (s *Server) controlReset(w http.ResponseWriter, r *http.Request) {
	s.reject.Store(nil)
	s.log.reset()
	s.accepted.Store(0)
	s.rejected.Store(0)
	s.received.Store(0)
	s.sent.Store(0)
	s.logf("control: reset")
	writeJSON(w, http.StatusOK, controlResult{OK: true})
}

// originAllowed applies websocket.Accept's origin rule to control requests:
// no Origin, the request's own host, or a match of OriginPatterns.
func (s *Server) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	if strings.EqualFold(u.Host, r.Host) {
		return true
	}
	for _, p := range s.cfg.OriginPatterns {
		target := u.Host
		if strings.Contains(p, "://") {
			target = u.Scheme + "://" + u.Host
		}
		if ok, _ := path.Match(strings.ToLower(p), strings.ToLower(target)); ok {
			return true
		}
	}
	return false
}

// validCloseCode reports whether code may be sent in a close frame.
func validCloseCode(code int) bool {
	switch {
	case code >= 1000 && code <= 1003, code >= 1007 && code <= 1014:
		return true
	case code >= 3000 && code <= 4999:
		return true
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
