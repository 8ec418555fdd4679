//go:build !js

package echo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/coder/websocket"
)

// forwardedHeaders are the request headers passed on to Upstream, so that a
// backend that authenticates by cookie or header sees its client's.
var forwardedHeaders = []string{"Authorization", "Cookie", "Origin", "User-Agent"}

// serverParams are the query parameters of /echo that the server consumes;
// every other one is passed on to Upstream.
var serverParams = []string{"delay", "tag", "protocol"}

// upstreamURL returns Upstream with the client's query parameters added,
// but for the server's own.
func (s *Server) upstreamURL(r *http.Request) (string, error) {
	u, err := url.Parse(s.cfg.Upstream)
	if err != nil {
		return "", fmt.Errorf("invalid upstream %q: %w", s.cfg.Upstream, err)
	}
	q := u.Query()
	for k, vs := range r.URL.Query() {
		if slices.Contains(serverParams, k) {
			continue
		}
		for _, v := range vs {
			q.Add(k, v)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// dialUpstream opens the upstream connection for the client request r,
// offering the client's subprotocols, within HandshakeTimeout.
func (s *Server) dialUpstream(r *http.Request) (*websocket.Conn, error) {
	target, err := s.upstreamURL(r)
	if err != nil {
		return nil, err
	}
	h := http.Header{}
	for _, k := range forwardedHeaders {
		for _, v := range r.Header.Values(k) {
			h.Add(k, v)
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.HandshakeTimeout)
	defer cancel()
	up, resp, err := websocket.Dial(ctx, target, &websocket.DialOptions{
		HTTPHeader:   h,
		Subprotocols: subprotocols(r.Header),
	})
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("upstream %s refused the upgrade with %s", s.cfg.Upstream, resp.Status)
		}
		return nil, fmt.Errorf("failed to reach upstream %s: %w", s.cfg.Upstream, err)
	}
	up.SetReadLimit(s.cfg.ReadLimit)
	return up, nil
}

// pumpUpstream forwards upstream's messages to the client, through replies
// when the connection has a delay, until upstream ends. Then it closes the
// client with upstream's close status, or 1014 (bad gateway) when upstream
// went away without one, which ends readLoop.
func (c *conn) pumpUpstream(ctx context.Context, replies chan<- reply) {
	for {
		typ, p, err := c.upstream.Read(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			code, reason := websocket.CloseStatus(err), ""
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				reason = ce.Reason
			}
			switch code {
			case -1, websocket.StatusAbnormalClosure:
				code, reason = websocket.StatusBadGateway, "upstream went away"
			case websocket.StatusNoStatusRcvd:
				code = websocket.StatusNormalClosure
			}
			c.s.logf("echo: %s: upstream ended (%v); closing with %d", c.remote, err, int(code))
			c.ws.Close(code, reason)
			return
		}
		if err := c.reply(ctx, replies, typ, p); err != nil {
			var ce *closeError
			if errors.As(err, &ce) {
				c.s.logf("echo: %s: closing with %d: %s", c.remote, int(ce.code), ce.reason)
				c.ws.Close(ce.code, ce.reason)
			} else {
				c.ws.CloseNow()
			}
			return
		}
	}
}

// closeUpstream ends the upstream connection once the client's has ended:
// with the client's close status when it sent one, else with 1001 (going
// away).
func (c *conn) closeUpstream(clientErr error) {
	code, reason := websocket.CloseStatus(clientErr), ""
	var ce websocket.CloseError
	if errors.As(clientErr, &ce) {
		reason = ce.Reason
	}
	switch code {
	case -1, websocket.StatusAbnormalClosure, websocket.StatusNoStatusRcvd, websocket.StatusTLSHandshake:
		code, reason = websocket.StatusGoingAway, "client went away"
	}
	c.upstream.Close(code, reason)
}
