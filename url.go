package wsbeat

import (
	"errors"
	"strings"
)

// The URL checks are written by hand rather than with net/url, which would
// add net/url, net/netip and unique to wsbeat.wasm (about 70 KB of code) for
// two functions. In the browser, wsbeat.js has already checked the URL with
// the URL constructor; these checks keep the Go API's contract.

// urlParts is an absolute URL split at its delimiters, with the delimiters
// left out: scheme://userinfo@host/path?query#fragment.
type urlParts struct {
	scheme   string // as written
	hasUser  bool
	userinfo string
	host     string // with the port
	path     string
	hasQuery bool
	query    string
	hasFrag  bool
	fragment string
	opaque   bool // scheme: not followed by //
}

// splitURL splits raw into its parts. It fails, with a reason, for what
// net/url's Parse would reject: control characters, a malformed scheme, a
// bad host or port, or a bad percent-escape in the path.
func splitURL(raw string) (urlParts, error) {
	var p urlParts
	for i := 0; i < len(raw); i++ {
		if raw[i] < 0x20 || raw[i] == 0x7f {
			return p, errors.New("invalid control character in URL")
		}
	}
	rest := raw
	if i := strings.IndexByte(rest, '#'); i >= 0 {
		p.hasFrag, p.fragment, rest = true, rest[i+1:], rest[:i]
	}
	if i := schemeEnd(rest); i > 0 {
		p.scheme, rest = rest[:i], rest[i+1:]
	} else if i == 0 {
		return p, errors.New("missing protocol scheme")
	}
	if i := strings.IndexByte(rest, '?'); i >= 0 {
		p.hasQuery, p.query, rest = true, rest[i+1:], rest[:i]
	}
	if p.scheme != "" && !strings.HasPrefix(rest, "//") {
		p.opaque = true
		p.path = rest
		return p, nil
	}
	if strings.HasPrefix(rest, "//") {
		rest = rest[2:]
		auth := rest
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			auth, rest = rest[:i], rest[i:]
		} else {
			rest = ""
		}
		if i := strings.LastIndexByte(auth, '@'); i >= 0 {
			p.hasUser, p.userinfo, auth = true, auth[:i], auth[i+1:]
			if strings.ContainsAny(p.userinfo, " \"<>[]^`{|}") {
				return p, errors.New("invalid userinfo")
			}
		}
		if err := checkHost(auth); err != nil {
			return p, err
		}
		p.host = auth
	}
	if err := checkEscapes(rest); err != nil {
		return p, err
	}
	p.path = rest
	return p, nil
}

// schemeEnd returns the index of the colon ending s's scheme, 0 for a
// colon with no scheme before it, or -1 for a URL without a scheme.
func schemeEnd(s string) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.':
			if i == 0 {
				return -1
			}
		case c == ':':
			return i
		default:
			return -1
		}
	}
	return -1
}

// checkHost accepts a host name, an IPv4 address or a bracketed IPv6
// address, each with an optional :port.
func checkHost(h string) error {
	port := ""
	if strings.HasPrefix(h, "[") {
		i := strings.LastIndexByte(h, ']')
		if i < 0 {
			return errors.New("missing ']' in host")
		}
		for _, c := range h[1:i] {
			if c != ':' && (c > 0x7e || !hostByte(byte(c))) {
				return errors.New("invalid IPv6 address " + quote(h[:i+1]))
			}
		}
		port = h[i+1:]
		if port != "" && port[0] != ':' {
			return errors.New("invalid port " + quote(port) + " after host")
		}
	} else {
		if i := strings.LastIndexByte(h, ':'); i >= 0 {
			h, port = h[:i], h[i:]
		}
		for i := 0; i < len(h); i++ {
			if !hostByte(h[i]) {
				return errors.New("invalid character " + quote(h[i:i+1]) + " in host name")
			}
		}
	}
	if port != "" {
		for i := 1; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return errors.New("invalid port " + quote(port) + " after host")
			}
		}
	}
	return nil
}

// hostByte reports whether c may appear in a host name as net/url allows
// it: letters, digits, a percent-escape's %, and the unreserved and
// sub-delimiter marks.
func hostByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=%", c) >= 0
}

// checkEscapes fails for a % not followed by two hex digits.
func checkEscapes(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			end := min(i+3, len(s))
			return errors.New("invalid URL escape " + quote(s[i:end]))
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// escapePath percent-encodes the bytes of a path that a URL must not carry
// as they are (spaces, quotes, non-ASCII), as net/url's String does.
func escapePath(path string) string {
	const hex = "0123456789ABCDEF"
	if !strings.ContainsFunc(path, func(r rune) bool { return r > 0x7e || r <= 0x20 || strings.ContainsRune(pathEscaped, r) }) {
		return path
	}
	var b strings.Builder
	b.Grow(len(path) + 16)
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c > 0x20 && c < 0x7f && strings.IndexByte(pathEscaped, c) < 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// pathEscaped are the printable ASCII bytes escaped in a path.
const pathEscaped = "\"<>\\^`{|}"

// join puts p back together, with scheme as given.
func (p *urlParts) join(scheme string) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if p.hasUser {
		b.WriteString(strings.ReplaceAll(p.userinfo, "@", "%40"))
		b.WriteByte('@')
	}
	b.WriteString(p.host)
	b.WriteString(escapePath(p.path))
	if p.hasQuery {
		b.WriteByte('?')
		b.WriteString(p.query)
	}
	if p.hasFrag && p.fragment != "" {
		b.WriteByte('#')
		b.WriteString(p.fragment)
	}
	return b.String()
}

// urlError wraps ErrInvalidURL with the URL and what is wrong with it.
func urlError(rawURL, why string) error {
	return &wrapError{msg: ErrInvalidURL.Error() + " " + quote(rawURL) + ": " + why, err: ErrInvalidURL}
}

// NormalizeURL checks rawURL and maps http: and https: to ws: and wss:. It
// fails for a relative URL, another scheme, or a fragment, as the browser's
// WebSocket does.
func NormalizeURL(rawURL string) (string, error) {
	p, err := splitURL(rawURL)
	if err != nil {
		return "", urlError(rawURL, err.Error())
	}
	scheme := lowerASCII(p.scheme)
	switch scheme {
	case "ws", "wss":
	case "http":
		scheme = "ws"
	case "https":
		scheme = "wss"
	case "":
		return "", urlError(rawURL, "it must be absolute, with ws:, wss:, http: or https:")
	default:
		return "", urlError(rawURL, "scheme "+quote(p.scheme)+" is not ws:, wss:, http: or https:")
	}
	if p.opaque || p.host == "" {
		return "", urlError(rawURL, "it has no host")
	}
	if p.hasFrag {
		return "", urlError(rawURL, "a WebSocket URL must not have a fragment")
	}
	return p.join(scheme), nil
}

// redactURL hides user info and query values, which often carry tokens,
// from log lines.
func redactURL(raw string) string {
	p, err := splitURL(raw)
	if err != nil || p.opaque || p.scheme == "" {
		return "<unparseable URL>"
	}
	if p.hasUser {
		p.userinfo = "xxx"
	}
	if p.query != "" {
		p.query = "…"
	}
	return p.join(lowerASCII(p.scheme))
}

// lowerASCII lowercases a scheme, which is ASCII; strings.ToLower would
// link the unicode case tables.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// quote puts s in double quotes for an error message, escaping quotes,
// backslashes and control characters. strconv.Quote would link strconv's
// tables of printable runes.
func quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}
