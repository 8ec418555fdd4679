//go:build !js

package echo

import (
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

// messageLog remembers the last messages received, oldest first, so that
// tests can prove that messages arrived once and in order. It keeps at most
// maxCount messages of at most maxBytes bytes in all, forgetting the oldest
// first, so that a client sending large messages cannot grow the server
// without bound. A text message larger than maxBytes on its own is recorded
// as "<text N bytes>".
type messageLog struct {
	mu       sync.Mutex
	maxCount int
	maxBytes int
	entries  []logEntry // oldest first
	bytes    int        // sum of len(text) over entries
}

type logEntry struct {
	tag  string
	text string
}

// add records a text message as is and a binary one as "<binary N bytes>",
// under tag.
func (l *messageLog) add(tag string, typ websocket.MessageType, p []byte) {
	var m string
	switch {
	case typ == websocket.MessageBinary:
		m = "<binary " + strconv.Itoa(len(p)) + " bytes>"
	case len(p) > l.maxBytes:
		m = "<text " + strconv.Itoa(len(p)) + " bytes>"
	default:
		m = string(p)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.entries) > 0 && (len(l.entries) >= l.maxCount || l.bytes+len(m) > l.maxBytes) {
		l.bytes -= len(l.entries[0].text)
		l.entries[0] = logEntry{} // let the collector have the text
		l.entries = l.entries[1:]
	}
	l.entries = append(l.entries, logEntry{tag: tag, text: m})
	l.bytes += len(m)
}

// messages returns the recorded messages of tag, or all of them when tag is
// "", oldest first. It never returns nil.
func (l *messageLog) messages(tag string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.entries))
	for _, e := range l.entries {
		if tag == "" || e.tag == tag {
			out = append(out, e.text)
		}
	}
	return out
}

// size returns the number of messages and their bytes.
func (l *messageLog) size() (count, bytes int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.entries), l.bytes
}

// reset forgets the messages of tag, or every message when tag is "".
func (l *messageLog) reset(tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if tag == "" {
		l.entries, l.bytes = nil, 0
		return
	}
	kept := make([]logEntry, 0, len(l.entries))
	l.bytes = 0
	for _, e := range l.entries {
		if e.tag != tag {
			kept = append(kept, e)
			l.bytes += len(e.text)
		}
	}
	l.entries = kept
}
