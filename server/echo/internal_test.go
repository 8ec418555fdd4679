//go:build !js

package echo

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/internal/assert"
)

func TestMessageLogKeepsTheLastMessagesInOrder(t *testing.T) {
	l := messageLog{maxCount: 3, maxBytes: 1 << 10}
	assert.Equal(t, "empty log", []string{}, l.messages(""))

	l.add("", websocket.MessageText, []byte("a"))
	l.add("", websocket.MessageBinary, []byte{1, 2})
	assert.Equal(t, "log", []string{"a", "<binary 2 bytes>"}, l.messages(""))

	for i := range 5 {
		l.add("", websocket.MessageText, []byte(fmt.Sprint(i)))
	}
	assert.Equal(t, "log after wrapping", []string{"2", "3", "4"}, l.messages(""))

	l.reset("")
	assert.Equal(t, "log after reset", []string{}, l.messages(""))
	l.add("", websocket.MessageText, []byte("z"))
	assert.Equal(t, "log after reset and add", []string{"z"}, l.messages(""))
}

func TestMessageLogByTag(t *testing.T) {
	l := messageLog{maxCount: 10, maxBytes: 1 << 10}
	l.add("a", websocket.MessageText, []byte("a1"))
	l.add("b", websocket.MessageText, []byte("b1"))
	l.add("", websocket.MessageText, []byte("x"))
	l.add("a", websocket.MessageText, []byte("a2"))
	assert.Equal(t, "tag a", []string{"a1", "a2"}, l.messages("a"))
	assert.Equal(t, "all", []string{"a1", "b1", "x", "a2"}, l.messages(""))
	l.reset("a")
	assert.Equal(t, "all after resetting a", []string{"b1", "x"}, l.messages(""))
	_, bytes := l.size()
	assert.Equal(t, "bytes after resetting a", 3, bytes)
}

func TestMessageLogLimit(t *testing.T) {
	s := New(Config{})
	for i := range maxMessages + 5 {
		s.log.add("", websocket.MessageText, []byte(fmt.Sprint(i)))
	}
	got := s.log.messages("")
	assert.Equal(t, "length", maxMessages, len(got))
	assert.Equal(t, "oldest", "5", got[0])
	assert.Equal(t, "newest", fmt.Sprint(maxMessages+4), got[len(got)-1])
}

// Security finding: the log kept 10 000 messages of up to 1 MiB each, so a
// client could make the server hold about 10 GiB. It is bounded in bytes.
func TestMessageLogIsBoundedInBytes(t *testing.T) {
	s := New(Config{ReadLimit: 64 << 20})
	big := []byte(strings.Repeat("x", 1<<20))
	for range 300 {
		s.log.add("", websocket.MessageText, big)
	}
	count, bytes := s.log.size()
	assert.True(t, fmt.Sprintf("the log holds %d bytes, over %d", bytes, maxLogBytes), bytes <= maxLogBytes)
	assert.Equal(t, "messages kept", maxLogBytes/(1<<20), count)

	// A message larger than the whole bound is recorded by its size.
	s.log.add("", websocket.MessageText, make([]byte, maxLogBytes+1))
	got := s.log.messages("")
	assert.Equal(t, "newest", fmt.Sprintf("<text %d bytes>", maxLogBytes+1), got[len(got)-1])
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
	got := Config{Keepalive: -1, ReadLimit: -5}.withDefaults()
	assert.Equal(t, "defaults", Config{
		Ping:             "ping",
		Pong:             "pong",
		ReadLimit:        1 << 20,
		MaxConns:         defaultMaxConns,
		HandshakeTimeout: defaultHandshakeTimeout,
		WriteTimeout:     defaultWriteTimeout,
		MaxDelayBacklog:  defaultMaxDelayBacklog,
		SessionTTL:       2 * time.Minute,
		MaxSessions:      defaultMaxSessions,
	}, got)
	assert.Equal(t, "negative MaxConns", -1, Config{MaxConns: -7}.withDefaults().MaxConns)
	assert.Equal(t, "negative MaxSessions", -1, Config{MaxSessions: -7}.withDefaults().MaxSessions)

	patterns := []string{"a.example"}
	cfg := Config{OriginPatterns: patterns}
	s := New(cfg)
	patterns[0] = "changed"
	assert.Equal(t, "patterns copied", []string{"a.example"}, s.cfg.OriginPatterns)
	assert.Equal(t, "caller's config untouched", "", cfg.Ping)
}

func TestParseIntRefusesOverflow(t *testing.T) {
	for _, v := range []string{"9223372036855", "9223372036854775808", "-1", "1e3", " 1", "0x10"} {
		_, err := parseMillis("ms", v, 0, maxRejectWindow)
		assert.True(t, "parseMillis accepted "+v, err != nil)
	}
	d, err := parseMillis("ms", "600000", 0, maxRejectWindow)
	assert.Success(t, err)
	assert.Equal(t, "600000ms", maxRejectWindow, d)
}
