//go:build js && wasm

package jsbridge

import "github.com/wsbeat/wsbeat/internal/safejs"

// call is one call that waited in wsbeat.js for the Go socket: the
// elements of one entry of create's calls array.
type call struct {
	name   string // "reconnect", "close" or "send"
	code   int    // reconnect, close
	reason string // reconnect, close
	data   safejs.Value
	size   int
	binary bool
}

// readCalls reads create's calls array.
func readCalls(v safejs.Value) ([]call, error) {
	if v.Type() == safejs.TypeUndefined || v.Type() == safejs.TypeNull {
		return nil, nil
	}
	if !isArray(v) {
		return nil, argError("wsbeat: calls must be an array, got a %s", v.Type())
	}
	n, err := v.Length()
	if err != nil {
		return nil, argError("wsbeat: calls must be an array")
	}
	out := make([]call, 0, n)
	for i := 0; i < n; i++ {
		item, _ := v.Index(i)
		if !isArray(item) {
			return nil, argError("wsbeat: calls[%d] is a %s; it must be an array", i, item.Type())
		}
		a := make([]safejs.Value, 4)
		for j := range a {
			a[j], _ = item.Index(j)
		}
		c := call{name: optString(a, 0)}
		switch c.name {
		case "reconnect", "close":
			c.code, c.reason = optInt(a, 1), optString(a, 2)
		case "send":
			if a[2].Type() != safejs.TypeNumber {
				return nil, argError("wsbeat: calls[%d]: send needs a size", i)
			}
			c.data, c.size = a[1], optInt(a, 2)
			c.binary, _ = a[3].Truthy()
		default:
			return nil, argError("wsbeat: calls[%d] is %q; it must be reconnect, close or send", i, c.name)
		}
		out = append(out, c)
	}
	return out, nil
}
