// Package msgfmt formats the engine's and the bridge's error and log
// messages without fmt. fmt (with reflect, which it brings) would add about
// 85 KB brotli to wsbeat.wasm; these messages need only strings, errors,
// Stringers, numbers, bools and quoting.
package msgfmt

import (
	"strconv"
	"strings"
)

// Sprintf formats like fmt.Sprintf for the verbs %v, %s, %d, %q and %%,
// with the values Value handles.
func Sprintf(format string, args ...any) string {
	var b strings.Builder
	n := 0
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 == len(format) {
			b.WriteByte(c)
			continue
		}
		i++
		verb := format[i]
		if verb == '%' {
			b.WriteByte('%')
			continue
		}
		if n >= len(args) {
			b.WriteString("%!" + string(verb) + "(MISSING)")
			continue
		}
		s := Value(args[n])
		n++
		if verb == 'q' {
			s = Quote(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// Value formats v as fmt's %v does, for strings, errors, Stringers,
// numbers, bools and nil.
func Value(v any) string {
	switch v := v.(type) {
	case nil:
		return "<nil>"
	case string:
		return v
	case error:
		return v.Error()
	case interface{ String() string }:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int64:
		return strconv.FormatInt(v, 10)
	case uint64:
		return strconv.FormatUint(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64)
	}
	return "(value of unprintable type)"
}

// Quote puts s in double quotes as strconv.Quote does for ASCII, escaping
// quotes, backslashes and control characters. strconv.Quote would link strconv's tables of printable runes.
func Quote(s string) string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, len(s)+2)
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\a', c == '\b', c == '\f', c == '\n', c == '\r', c == '\t', c == '\v':
			b = append(b, '\\', "abtnvfr"[c-'\a'])
		case c < 0x20 || c == 0x7f:
			b = append(b, '\\', 'x', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return string(append(b, '"'))
}

// Wrap returns an error with message msg that wraps err, as fmt.Errorf's
// %w does.
func Wrap(err error, msg string) error { return &wrapped{msg: msg, err: err} }

type wrapped struct {
	msg string
	err error
}

func (e *wrapped) Error() string { return e.msg }
func (e *wrapped) Unwrap() error { return e.err }
