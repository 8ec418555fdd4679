package wsbeat

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// refNormalizeURL is NormalizeURL as it was written on net/url, before the
// hand-written parser that keeps net/url out of wsbeat.wasm. The tests
// below hold the two to the same answers.
func refNormalizeURL(rawURL string) (string, bool) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", false
	}
	switch strings.ToLower(u.Scheme) {
	case "ws", "wss":
	case "http":
		u.Scheme = "ws"
	case "https":
		u.Scheme = "wss"
	default:
		return "", false
	}
	if u.Host == "" || u.Fragment != "" || strings.Contains(rawURL, "#") {
		return "", false
	}
	return u.String(), true
}

var urlCorpus = []string{
	"ws://example.com", "ws://example.com/", "wss://example.com:443/a/b?c=d&e=f",
	"http://example.com/echo", "https://example.com/echo", "HTTP://Example.COM/Echo", "WsS://h/",
	"ws://127.0.0.1:8080/echo", "ws://[::1]:8080/echo", "ws://[fe80::1%25en0]:80/", "ws://[::1]/",
	"ws://user:pass@host/p?token=s3cret", "ws://us%40er@host/", "ws://@host/",
	"ws://host/a b", "ws://host/ü/€", "ws://host/%7e%41", "ws://host/a\"b<c>", "ws://host/?q=a b",
	"ws://host:/", "ws://host:80x/", "ws://host:99999/", "ws://ho st/", "ws://ho%zzst/", "ws://[::1/",
	"ws://[::1]x/", "ws://host/%", "ws://host/%2", "ws://host/%zz", "ws://host/%2F",
	"ws://host#frag", "ws://host/#", "ws://host/?#", "ws:///path", "ws://", "ws:host", "ws:/host",
	"ftp://host/", "javascript:alert(1)", "//host/path", "/echo", "echo", "", " ", "ws://host/\x00",
	"ws://host/\x7f", "1ws://host/", "w s://host/", ":foo", "ws://h/a?b?c", "ws://h?x", "ws://a.b-c_d~e/",
	"ws://h:8080", "ws://xn--nxasmq6b.com/", "ws://ex!$&'()*+,;=ample/", "ws://host/~user/;p=1",
}

func TestNormalizeURLMatchesNetURL(t *testing.T) {
	for _, raw := range urlCorpus {
		checkURLAgainstNetURL(t, raw)
	}
}

// FuzzNormalizeURL looks for URLs on which the hand-written parser and
// net/url disagree; its seeds run in make test.
func FuzzNormalizeURL(f *testing.F) {
	for _, raw := range urlCorpus {
		f.Add(raw)
	}
	f.Fuzz(checkURLAgainstNetURL)
}

func checkURLAgainstNetURL(t *testing.T, raw string) {
	got, err := NormalizeURL(raw)
	want, ok := refNormalizeURL(raw)
	switch {
	case ok && err != nil:
		t.Errorf("NormalizeURL(%q) failed (%v); net/url gives %q", raw, err, want)
	case !ok && err == nil:
		t.Errorf("NormalizeURL(%q) = %q; net/url rejects it", raw, got)
	case ok && got != want:
		t.Errorf("NormalizeURL(%q) = %q; net/url gives %q", raw, got, want)
	case err != nil && !errors.Is(err, ErrInvalidURL):
		t.Errorf("NormalizeURL(%q): error %v is not ErrInvalidURL", raw, err)
	}
	if err != nil {
		return
	}
	if got, want := redactURL(raw), refRedactURL(raw); got != want {
		t.Errorf("redactURL(%q) = %q; on net/url it was %q", raw, got, want)
	}
}

// refRedactURL is redactURL as it was written on net/url.
func refRedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<unparseable URL>"
	}
	if u.User != nil {
		u.User = url.User("xxx")
	}
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}
