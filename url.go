package wsbeat

import (
	"errors"
	"strings"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
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
			if !validUserinfo(p.userinfo) {
				return p, errors.New("invalid userinfo")
			}
			if err := checkEscapes(p.userinfo); err != nil {
				return p, err
			}
		}
		if err := checkHost(lowerASCII(p.scheme), auth); err != nil {
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
// address, each with an optional :port, as net/url does: colons in a host
// name are tolerated except for http: and https:.
func checkHost(scheme, h string) error {
	port := ""
	if i := strings.LastIndexByte(h, '['); i > 0 {
		return errors.New("invalid IP-literal")
	} else if i == 0 {
		i := strings.LastIndexByte(h, ']')
		if i < 0 {
			return errors.New("missing ']' in host")
		}
		port = h[i+1:]
		if port != "" && port[0] != ':' {
			return errors.New("invalid port " + msgfmt.Quote(port) + " after host")
		}
		if !validIPLiteral(h[1:i]) {
			return errors.New("invalid IPv6 address " + msgfmt.Quote(h[:i+1]))
		}
	} else {
		if i := strings.IndexByte(h, ':'); i >= 0 {
			if scheme != "http" && scheme != "https" {
				i = strings.LastIndexByte(h, ':')
			}
			h, port = h[:i], h[i:]
		}
		for i := 0; i < len(h); i++ {
			if !hostByte(h[i]) {
				return errors.New("invalid character " + msgfmt.Quote(h[i:i+1]) + " in host name")
			}
		}
		// As net/url: a host's escapes are well formed, and only non-ASCII
		// bytes (and %25) may be escaped in a host name.
		if err := checkEscapes(h); err != nil {
			return err
		}
		for i := strings.IndexByte(h, '%'); i >= 0; i = strings.IndexByte(h, '%') {
			if h[i+1] < '8' && h[i:i+3] != "%25" {
				return errors.New("invalid URL escape " + msgfmt.Quote(h[i:i+3]) + " in host name")
			}
			h = h[i+3:]
		}
	}
	if port != "" {
		for i := 1; i < len(port); i++ {
			if port[i] < '0' || port[i] > '9' {
				return errors.New("invalid port " + msgfmt.Quote(port) + " after host")
			}
		}
	}
	return nil
}

// validIPLiteral reports whether s, the inside of a host's brackets, is an
// IPv6 address with an optional %25-escaped zone, as net/url accepts it.
func validIPLiteral(s string) bool {
	addr, zone, hasZone := strings.Cut(s, "%25")
	if strings.IndexByte(addr, '%') >= 0 || hasZone && (zone == "" || checkEscapes(zone) != nil) {
		return false
	}
	if hasZone {
		for i := 0; i < len(zone); i++ {
			if zone[i] < 0x20 || zone[i] == 0x7f || zone[i] == ' ' {
				return false
			}
		}
	}
	return validIPv6(addr)
}

// validIPv6 reports whether s is an IPv6 address: eight groups of one to
// four hex digits, or fewer with one "::", the last two possibly written
// as a dotted IPv4 address.
func validIPv6(s string) bool {
	groups, ellipsis := 0, false
	if strings.HasPrefix(s, "::") {
		ellipsis, s = true, s[2:]
		if s == "" {
			return true
		}
	}
	for {
		n := 0
		for n < len(s) && n < 5 && isHex(s[n]) {
			n++
		}
		if n == 0 || n > 4 {
			return false
		}
		if n < len(s) && s[n] == '.' {
			// The rest is an IPv4 address in the last two groups.
			if !validIPv4(s) {
				return false
			}
			groups += 2
			break
		}
		groups++
		s = s[n:]
		if s == "" {
			break
		}
		if s[0] != ':' || len(s) == 1 {
			return false
		}
		s = s[1:]
		if s[0] == ':' {
			if ellipsis {
				return false
			}
			ellipsis, s = true, s[1:]
			if s == "" {
				break
			}
		}
	}
	if ellipsis {
		return groups < 8
	}
	return groups == 8
}

// validIPv4 reports whether s is a dotted IPv4 address with no leading
// zeros, as netip.ParseAddr wants it.
func validIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || len(p) > 1 && p[0] == '0' {
			return false
		}
		v := 0
		for i := 0; i < len(p); i++ {
			if p[i] < '0' || p[i] > '9' {
				return false
			}
			v = v*10 + int(p[i]-'0')
		}
		if v > 255 {
			return false
		}
	}
	return true
}

// hostByte reports whether c may appear in a host name as net/url allows
// it: letters, digits, a percent-escape's %, the unreserved and
// sub-delimiter marks, and the quote and angle brackets that net/url
// tolerates.
func hostByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("-._~!$&'()*+,;=%\"<>:]", c) >= 0
}

// checkEscapes fails for a % not followed by two hex digits.
func checkEscapes(s string) error {
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			continue
		}
		if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
			end := min(i+3, len(s))
			return errors.New("invalid URL escape " + msgfmt.Quote(s[i:end]))
		}
	}
	return nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// reescape decodes s's escapes (well formed: s was checked) and escapes,
// in upper case, every byte that keep refuses, as net/url's String writes
// a URL's parts.
func reescape(s string, keep func(c byte) bool) string {
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		if keep(c) {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10
	}
	return 0
}

func alnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// escapePath writes a path as net/url does: as it came when it is validly
// encoded, or else re-escaped, keeping letters, digits and -_.~$&+,/:;=@.
func escapePath(path string) string {
	for i := 0; i < len(path); i++ {
		if c := path[i]; !pathByte(c) && strings.IndexByte("!'()*[]%", c) < 0 {
			return reescape(path, pathByte)
		}
	}
	return path
}

// pathByte reports whether net/url leaves c unescaped in a path.
func pathByte(c byte) bool { return alnum(c) || strings.IndexByte("-_.~$&+,/:;=@", c) >= 0 }

// escapeHost writes a host as net/url does: re-escaped, keeping all but
// non-ASCII bytes and %.
func escapeHost(host string) string {
	if !strings.ContainsFunc(host, func(r rune) bool { return r == '%' || r >= 0x80 }) {
		return host
	}
	return reescape(host, func(c byte) bool { return c < 0x80 && c != '%' })
}

// validUserinfo reports whether s has only the bytes net/url allows in
// userinfo.
func validUserinfo(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !alnum(c) && strings.IndexByte("-._:~!$&'()*+,;=%@", c) < 0 {
			return false
		}
	}
	return true
}

// escapeUserinfo writes a user name or password as net/url does:
// re-escaped, keeping letters, digits and -._~$&+,;=.
func escapeUserinfo(s string) string {
	return reescape(s, func(c byte) bool { return alnum(c) || strings.IndexByte("-_.~$&+,;=", c) >= 0 })
}

// join puts p back together, with scheme as given.
func (p *urlParts) join(scheme string) string {
	var b strings.Builder
	b.WriteString(scheme)
	b.WriteString("://")
	if p.hasUser {
		user, pass, hasPass := strings.Cut(p.userinfo, ":")
		b.WriteString(escapeUserinfo(user))
		if hasPass {
			b.WriteByte(':')
			b.WriteString(escapeUserinfo(pass))
		}
		b.WriteByte('@')
	}
	b.WriteString(escapeHost(p.host))
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

// urlError wraps ErrInvalidURL with the URL, redacted, and what is wrong
// with it.
func urlError(rawURL, why string) error {
	return msgfmt.Wrap(ErrInvalidURL, ErrInvalidURL.Error()+" "+msgfmt.Quote(redactLenient(rawURL))+": "+why)
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
		return "", urlError(rawURL, "scheme "+msgfmt.Quote(p.scheme)+" is not ws:, wss:, http: or https:")
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

// redactURLsIn returns text with every URL in it (scheme://…) redacted as
// redactLenient does. Errors of the transport's libraries quote the URL
// they dialled, with its token; this keeps it out of the engine's errors.
func redactURLsIn(text string) string {
	var b strings.Builder
	for {
		i := strings.Index(text, "://")
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		start := i
		for start > 0 && (alnum(text[start-1]) || strings.IndexByte("+-.", text[start-1]) >= 0) {
			start--
		}
		end := i + 3
		for end < len(text) && strings.IndexByte(" \t\r\n\"'<>`", text[end]) < 0 {
			end++
		}
		b.WriteString(text[:start])
		b.WriteString(redactLenient(text[start:end]))
		text = text[end:]
	}
}

// redactLenient hides what redactURL hides (user info, query) and the
// fragment, which can carry an access token too, from u, which need not
// parse: it is for the URLs of error texts, valid or not.
func redactLenient(u string) string {
	prefix, rest := "", u
	if i := strings.Index(u, "://"); i >= 0 {
		prefix, rest = u[:i+3], u[i+3:]
		auth := rest
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			auth = rest[:j]
		}
		if j := strings.LastIndexByte(auth, '@'); j >= 0 {
			rest = "xxx" + rest[j:]
		}
	}
	if j := strings.IndexAny(rest, "?#"); j >= 0 {
		rest = rest[:j] + rest[j:j+1] + "…"
	}
	return prefix + rest
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
