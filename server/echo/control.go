//go:build !js

package echo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
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

// controlHandler serves /control/*. Every answer is Cache-Control: no-store.
// A request from a foreign Origin is refused like a WebSocket upgrade would
// be, so that a web page elsewhere cannot break connections; an origin
// allowed by OriginPatterns gets CORS headers. With a Token, a request
// without it gets 401.
func (s *Server) controlHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /control/silence", s.controlSilence)
	mux.HandleFunc("POST /control/drop", s.controlDrop)
	mux.HandleFunc("POST /control/close", s.controlClose)
	mux.HandleFunc("POST /control/reject", s.controlReject)
	mux.HandleFunc("POST /control/reset", s.controlReset)
	mux.HandleFunc("POST /control/send", s.controlSend)
	mux.HandleFunc("GET /control/stats", s.controlStats)
	mux.HandleFunc("GET /control/messages", s.controlMessages)
	mux.HandleFunc("GET /control/wait", s.controlWait)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		ok, cross := s.originAllowed(r)
		if !ok {
			writeJSON(w, http.StatusForbidden, controlError{
				Error: fmt.Sprintf("origin %q may not use the control API; allow it with OriginPatterns (-origins)", r.Header.Get("Origin")),
			})
			return
		}
		if cross {
			setCORS(w, r)
		}
		if r.Method == http.MethodOptions {
			// A CORS preflight carries no credentials.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !s.tokenOK(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="wsbeat control"`)
			writeJSON(w, http.StatusUnauthorized, controlError{
				Error: "the control API needs the server's token: send Authorization: Bearer <token> or ?token=<token>",
			})
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// controlTag returns the tag query parameter, answering 400 and reporting
// false when it is invalid.
func controlTag(w http.ResponseWriter, r *http.Request) (string, bool) {
	tag, err := parseTag(r.URL.Query().Get("tag"))
	if err != nil {
		badRequest(w, err)
		return "", false
	}
	return tag, true
}

// controlSilence silences every open connection of the tag that is not
// silenced yet.
func (s *Server) controlSilence(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	n := 0
	for _, c := range s.snapshot(tag) {
		if c.nc.silence() {
			n++
		}
	}
	s.logf("control: silenced %d connections%s", n, tagSuffix(tag))
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: n})
}

// controlDrop ends every open connection's TCP connection without a close
// frame, silenced ones included.
func (s *Server) controlDrop(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	conns := s.snapshot(tag)
	for _, c := range conns {
		c.drop()
	}
	s.logf("control: dropped %d connections%s", len(conns), tagSuffix(tag))
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: len(conns)})
}

// controlClose starts the close handshake, with the given code and reason,
// on every connection that is not silenced. It answers at once: a client
// that reads only after the answer still finds the close frame, and the
// handshakes finish in the background (within 5s each), with Shutdown
// waiting for them.
func (s *Server) controlClose(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	code, err := strconv.Atoi(q.Get("code"))
	if err != nil || !validCloseCode(code) {
		badRequest(w, fmt.Errorf("invalid close code %q: want 1000-1003, 1007-1014 or 3000-4999", q.Get("code")))
		return
	}
	reason := q.Get("reason")
	if len(reason) > maxCloseReason || !utf8.ValidString(reason) {
		badRequest(w, fmt.Errorf("invalid close reason %q: want valid UTF-8 of at most %d bytes", reason, maxCloseReason))
		return
	}

	n := 0
	for _, c := range s.snapshot(tag) {
		if c.nc.isSilenced() {
			continue
		}
		if s.goTracked(func() { c.ws.Close(websocket.StatusCode(code), reason) }) {
			n++
		}
	}
	s.logf("control: closed %d connections%s with %d %q", n, tagSuffix(tag), code, reason)
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: n})
}

// controlReject refuses upgrades, of the tag or all of them, for ms
// milliseconds from now with status.
func (s *Server) controlReject(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	if q.Get("ms") == "" {
		badRequest(w, fmt.Errorf("missing ms: want milliseconds from 0 to %d", maxRejectWindow.Milliseconds()))
		return
	}
	d, err := parseMillis("ms", q.Get("ms"), 0, maxRejectWindow)
	if err != nil {
		badRequest(w, err)
		return
	}
	status, err := parseInt("status", q.Get("status"), http.StatusServiceUnavailable, 400, 599)
	if err != nil {
		badRequest(w, fmt.Errorf("%w (an HTTP error status)", err))
		return
	}
	win := &rejectWindow{until: time.Now().Add(d), status: int(status)}
	s.mu.Lock()
	if tag == "" {
		s.reject = win
	} else if ts, err := s.tags.ensure(tag); err != nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusServiceUnavailable, controlError{Error: err.Error()})
		return
	} else {
		ts.reject = win
	}
	s.mu.Unlock()
	s.logf("control: refusing upgrades%s with %d for %v", tagSuffix(tag), status, d)
	writeJSON(w, http.StatusOK, controlResult{OK: true})
}

// controlReset ends the reject window, forgets the message log, zeroes
// every counter but Open and ends the reliable sessions, of the tag or of
// the whole server (every tag included). Silenced connections stay
// silenced.
func (s *Server) controlReset(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	if tag == "" {
		s.reject = nil
		s.total.reset()
		for _, ts := range s.tags {
			ts.reject = nil
			ts.counters.reset()
		}
	} else if ts := s.tags.get(tag); ts != nil {
		ts.reject = nil
		ts.counters.reset()
	}
	s.mu.Unlock()
	s.log.reset(tag)
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	ended := s.endSessions(ctx, tag)
	s.logf("control: reset%s (%d reliable sessions ended)", tagSuffix(tag), ended)
	writeJSON(w, http.StatusOK, controlResult{OK: true})
}

// controlStats answers the counters of the tag or of the whole server.
func (s *Server) controlStats(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	if tag == "" {
		writeJSON(w, http.StatusOK, s.Stats())
		return
	}
	writeJSON(w, http.StatusOK, s.TagStats(tag))
}

// controlMessages answers the logged messages of the tag or of all.
func (s *Server) controlMessages(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, s.log.messages(tag))
}

// tagSuffix names the tag in log lines and errors.
func tagSuffix(tag string) string {
	if tag == "" {
		return ""
	}
	return fmt.Sprintf(" of tag %q", tag)
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

func badRequest(w http.ResponseWriter, err error) {
	writeJSON(w, http.StatusBadRequest, controlError{Error: err.Error()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
