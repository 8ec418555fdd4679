//go:build js && wasm

package jsbridge

import (
	"strconv"
	"strings"
)

// sprintf formats like fmt.Sprintf for the verbs this package and the
// engine's log lines use (%v, %s, %d, %q and %%) and the values they pass:
// strings, errors, Stringers (durations, JS types), numbers, bools and nil.
// fmt would add fmt and reflect to wsbeat.wasm, about 85 KB brotli.
func sprintf(format string, args ...any) string {
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
		s := formatValue(args[n])
		n++
		if verb == 'q' {
			s = quote(s)
		}
		b.WriteString(s)
	}
	return b.String()
}

// formatValue formats v as fmt's %v does, for the types sprintf handles.
func formatValue(v any) string {
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

// wrapError is an error with its own message that wraps err, as
// fmt.Errorf's %w does.
type wrapError struct {
	msg string
	err error
}

func (e *wrapError) Error() string { return e.msg }
func (e *wrapError) Unwrap() error { return e.err }

// quote puts s in double quotes, escaping quotes, backslashes and control
// characters, for %q. strconv.Quote would link strconv's tables of
// printable runes.
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
