//go:build !js

package echo

import (
	"fmt"
	"net/http"
	"time"
)

// waitResult is the answer to /control/wait.
type waitResult struct {
	OK    bool   `json:"ok"`
	Open  int    `json:"open"`
	Error string `json:"error,omitempty"`
}

const (
	defaultWaitTimeout = 5 * time.Second
	maxWaitTimeout     = time.Minute
)

// controlWait answers 200 as soon as the tag (or the server) has exactly
// open=N open connections, and 408 when timeout=MS (default 5000) runs out
// first. A connection counts as open from the moment its client has the
// 101 response until its handler ends.
func (s *Server) controlWait(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	want, err := parseInt("open", q.Get("open"), 1, 0, 1<<20)
	if err != nil {
		badRequest(w, err)
		return
	}
	timeout, err := parseMillis("timeout", q.Get("timeout"), defaultWaitTimeout, maxWaitTimeout)
	if err != nil {
		badRequest(w, err)
		return
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	s.waiting.Add(1)
	defer s.waiting.Add(-1)
	for {
		s.mu.Lock()
		open := len(s.conns)
		if tag != "" {
			open = s.tagStatsLocked(tag).Open
		}
		changed := s.changed
		s.mu.Unlock()
		if int64(open) == want {
			writeJSON(w, http.StatusOK, waitResult{OK: true, Open: open})
			return
		}
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		case <-s.done:
			writeJSON(w, http.StatusServiceUnavailable, waitResult{Open: open, Error: "server is shutting down"})
			return
		case <-timer.C:
			writeJSON(w, http.StatusRequestTimeout, waitResult{
				Open:  open,
				Error: fmt.Sprintf("timed out after %v waiting for %d open connections%s; %d are open", timeout, want, tagSuffix(tag), open),
			})
			return
		}
	}
}
