//go:build !js

package echo

import (
	"fmt"
	"testing"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/internal/assert"
)

func TestMessageLogKeepsTheLastMessagesInOrder(t *testing.T) {
	l := messageLog{max: 3}
	assert.Equal(t, "empty log", []string{}, l.messages())

	l.add(websocket.MessageText, []byte("a"))
	l.add(websocket.MessageBinary, []byte{1, 2})
	assert.Equal(t, "log", []string{"a", "<binary 2 bytes>"}, l.messages())

	for i := range 5 {
		l.add(websocket.MessageText, []byte(fmt.Sprint(i)))
	}
	assert.Equal(t, "log after wrapping", []string{"2", "3", "4"}, l.messages())

	l.reset()
	assert.Equal(t, "log after reset", []string{}, l.messages())
	l.add(websocket.MessageText, []byte("z"))
	assert.Equal(t, "log after reset and add", []string{"z"}, l.messages())
}

func TestMessageLogLimit(t *testing.T) {
	s := New(Config{})
	for i := range maxMessages + 5 {
		s.log.add(websocket.MessageText, []byte(fmt.Sprint(i)))
	}
	got := s.log.messages()
	assert.Equal(t, "length", maxMessages, len(got))
	assert.Equal(t, "oldest", "5", got[0])
	assert.Equal(t, "newest", fmt.Sprint(maxMessages+4), got[len(got)-1])
}

func TestAcceptsEncoding(t *testing.T) {
	for _, tc := range []struct {
		header, coding string
		want           bool
	}{
		{"", "br", false},
		{"br", "br", true},
		{"BR", "br", true},
		{"gzip, deflate, br", "br", true},
		{"gzip;q=1.0, br;q=0.5", "br", true},
		{"br;q=0", "br", false},
		{"br; q=0.000", "br", false},
		{"br;q=oops", "br", false},
		{"brotli", "br", false},
		{"*", "gzip", true},
		{"*;q=0", "gzip", false},
		{"*, gzip;q=0", "gzip", false},
		{"gzip;q=0, *", "gzip", false},
		{"identity", "gzip", false},
	} {
		assert.Equal(t, fmt.Sprintf("acceptsEncoding(%q, %q)", tc.header, tc.coding), tc.want, acceptsEncoding(tc.header, tc.coding))
	}
}

func TestConfigDefaults(t *testing.T) {
	got := Config{Keepalive: -1, ReadLimit: -5, MaxConns: -2}.withDefaults()
	assert.Equal(t, "defaults", Config{
		Ping:             "ping",
		Pong:             "pong",
		ReadLimit:        1 << 20,
		HandshakeTimeout: defaultHandshakeTimeout,
	}, got)

	patterns := []string{"a.example"}
	cfg := Config{OriginPatterns: patterns}
	s := New(cfg)
	patterns[0] = "changed"
	assert.Equal(t, "patterns copied", []string{"a.example"}, s.cfg.OriginPatterns)
	assert.Equal(t, "caller's config untouched", "", cfg.Ping)
}
