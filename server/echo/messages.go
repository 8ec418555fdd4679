//go:build !js

package echo

import (
	"strconv"
	"sync"

	"github.com/coder/websocket"
)

// messageLog remembers the last max messages received, oldest first, so that
// tests can prove that messages arrived once and in order.
type messageLog struct {
	mu    sync.Mutex
	max   int
	buf   []string
	start int // index of the oldest entry once buf is full
}

// add records a text message as is and a binary one as "<binary N bytes>".
func (l *messageLog) add(typ websocket.MessageType, p []byte) {
	m := string(p)
	if typ == websocket.MessageBinary {
		m = "<binary " + strconv.Itoa(len(p)) + " bytes>"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.buf) < l.max {
		l.buf = append(l.buf, m)
		return
	}
	l.buf[l.start] = m
	l.start = (l.start + 1) % l.max
}

// messages returns the recorded messages, oldest first. It never returns nil.
func (l *messageLog) messages() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]string, 0, len(l.buf))
	out = append(out, l.buf[l.start:]...)
	return append(out, l.buf[:l.start]...)
}

// reset forgets every message.
func (l *messageLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf = nil
	l.start = 0
}
