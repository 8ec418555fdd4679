//go:build !js

package echo

import (
	"fmt"
	"sync/atomic"
	"time"
)

const (
	// maxTagLen bounds the length of a tag.
	maxTagLen = 64

	// maxTags bounds how many tags the server remembers at once. When a new
	// tag would exceed it, tags without open connections or reject window
	// are forgotten first.
	maxTags = 1024
)

// counters are the resettable counters of Stats.
type counters struct {
	accepted atomic.Int64
	rejected atomic.Int64
	received atomic.Int64
	sent     atomic.Int64
}

func (c *counters) stats() Stats {
	return Stats{
		Accepted: c.accepted.Load(),
		Rejected: c.rejected.Load(),
		Received: c.received.Load(),
		Sent:     c.sent.Load(),
	}
}

func (c *counters) reset() {
	c.accepted.Store(0)
	c.rejected.Store(0)
	c.received.Store(0)
	c.sent.Store(0)
}

// tagState is what the server knows of one tag: its counters, its open
// connections and its reject window. Server.mu guards open and reject.
type tagState struct {
	name string
	counters
	open   int
	reject *rejectWindow
}

// tagTable maps tag names to their state. Server.mu guards it.
type tagTable map[string]*tagState

// get returns the state of name, or nil if the server knows no such tag.
func (t tagTable) get(name string) *tagState {
	return t[name]
}

// ensure returns the state of name, creating it if needed. It fails when
// maxTags tags are in use.
func (t *tagTable) ensure(name string) (*tagState, error) {
	if *t == nil {
		*t = make(tagTable)
	}
	if ts := (*t)[name]; ts != nil {
		return ts, nil
	}
	if len(*t) >= maxTags {
		for n, ts := range *t {
			if ts.open == 0 && (ts.reject == nil || time.Now().After(ts.reject.until)) {
				delete(*t, n)
			}
		}
	}
	if len(*t) >= maxTags {
		return nil, fmt.Errorf("too many tags in use (%d); reset the server or reuse tags", maxTags)
	}
	ts := &tagState{name: name}
	(*t)[name] = ts
	return ts, nil
}

// parseTag checks the tag query parameter: "" (no tag) or 1 to 64 bytes of
// letters, digits, '-', '_', '.' and ':'.
func parseTag(v string) (string, error) {
	if len(v) > maxTagLen {
		return "", fmt.Errorf("invalid tag %q: longer than %d bytes", v, maxTagLen)
	}
	for _, r := range v {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
		case r == '-', r == '_', r == '.', r == ':':
		default:
			return "", fmt.Errorf("invalid tag %q: use letters, digits, '-', '_', '.' and ':'", v)
		}
	}
	return v, nil
}
