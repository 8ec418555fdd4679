//go:build js && wasm

package jsbridge

import "github.com/wsbeat/wsbeat/internal/safejs"

// newObject returns a new, empty JS object.
func newObject() (safejs.Value, error) {
	objCtor, err := safejs.Global().Get("Object")
	if err != nil {
		return safejs.Undefined(), err
	}
	return objCtor.New()
}

// isArray reports whether v is a JS Array (Array.isArray).
func isArray(v safejs.Value) bool {
	array, err := safejs.Global().Get("Array")
	if err != nil {
		return false
	}
	r, err := array.Call("isArray", v)
	if err != nil {
		return false
	}
	ok, _ := r.Truthy()
	return ok
}

func optInt(args []safejs.Value, i int) int {
	if len(args) > i && args[i].Type() == safejs.TypeNumber {
		n, _ := args[i].Int()
		return n
	}
	return 0
}

func optString(args []safejs.Value, i int) string {
	if len(args) > i && args[i].Type() == safejs.TypeString {
		s, _ := args[i].String()
		return s
	}
	return ""
}

// stringArray reads the protocols: undefined, null or an Array of strings.
// Anything else with a length (a string, {length: 1e9}) is refused rather
// than read index by index.
func stringArray(v safejs.Value) ([]string, error) {
	if v.Type() == safejs.TypeUndefined || v.Type() == safejs.TypeNull {
		return nil, nil
	}
	if !isArray(v) {
		return nil, argError("wsbeat: protocols must be an array of strings, got a %s", v.Type())
	}
	n, err := v.Length()
	if err != nil {
		return nil, argError("wsbeat: protocols must be an array of strings")
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		p, _ := v.Index(i)
		if p.Type() != safejs.TypeString {
			return nil, argError("wsbeat: protocols[%d] is a %s; it must be a string", i, p.Type())
		}
		s, _ := p.String()
		out = append(out, s)
	}
	return out, nil
}
