//go:build !js

package echo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"unicode/utf8"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/reliable"
)

// controlSend sends the request body as one message to every open plain
// connection of the tag that is not silenced and to every reliable session
// of the tag, and answers once the writes are done: affected counts the
// connections and sessions that took it. binary=1 sends a binary message;
// otherwise the body must be valid UTF-8.
func (s *Server) controlSend(w http.ResponseWriter, r *http.Request) {
	tag, ok := controlTag(w, r)
	if !ok {
		return
	}
	binary, err := parseBool("binary", r.URL.Query().Get("binary"))
	if err != nil {
		badRequest(w, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.ReadLimit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, controlError{
				Error: fmt.Sprintf("message over %d bytes (the read limit)", s.cfg.ReadLimit),
			})
			return
		}
		badRequest(w, fmt.Errorf("failed to read the message: %w", err))
		return
	}
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	} else if !utf8.Valid(body) {
		badRequest(w, errors.New("a text message must be valid UTF-8; send binary=1 for bytes"))
		return
	}

	var (
		mu      sync.Mutex
		n       int
		writers sync.WaitGroup
	)
	for _, c := range s.snapshot(tag) {
		if c.nc.isSilenced() || c.joined != nil {
			continue // reliable connections get it through their session
		}
		writers.Go(func() {
			if err := c.write(context.Background(), typ, body); err == nil {
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	// A reliable session takes it into its sequence, even between
	// connections or on a silenced one: the client gets it once, after
	// reconnecting if need be.
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	msg := reliable.Message{Binary: binary, Data: body}
	for _, sess := range s.sessionsOf(ctx, tag) {
		writers.Go(func() {
			if err := s.writeSession(ctx, sess, msg); err == nil {
				mu.Lock()
				n++
				mu.Unlock()
			}
		})
	}
	writers.Wait()
	s.logf("control: sent %d bytes to %d connections%s", len(body), n, tagSuffix(tag))
	writeJSON(w, http.StatusOK, controlResult{OK: true, Affected: n})
}
