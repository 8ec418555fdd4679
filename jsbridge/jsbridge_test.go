//go:build js && wasm

package jsbridge

import (
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat/internal/safejs"
)

// These tests run in a browser through wasmbrowsertest (make test-js):
// GOOS=js go test finds it as go_js_wasm_exec on PATH.

// jsEval evaluates a JS expression in the page.
func jsEval(t *testing.T, expr string) safejs.Value {
	t.Helper()
	v, err := safejs.Global().Call("eval", "("+expr+")")
	if err != nil {
		t.Fatalf("eval %s: %v", expr, err)
	}
	return v
}

// jsJSON returns JSON.stringify(v).
func jsJSON(t *testing.T, v safejs.Value) string {
	t.Helper()
	s, err := jsEval(t, "JSON.stringify").Invoke(v)
	if err != nil {
		t.Fatalf("JSON.stringify: %v", err)
	}
	str, _ := s.String()
	return str
}

// errorInfo describes a JS value that should be an error: the name of the
// constructor it is an instance of among TypeError, SyntaxError,
// DOMException and Error (most specific first), its name and its message.
func errorInfo(t *testing.T, v safejs.Value) (ctor, name, msg string) {
	t.Helper()
	if v.Type() != safejs.TypeObject {
		return "", "", ""
	}
	for _, c := range []string{"TypeError", "SyntaxError", "DOMException", "Error"} {
		cv, _ := safejs.Global().Get(c)
		if ok, _ := v.InstanceOf(cv); ok {
			ctor = c
			break
		}
	}
	n, _ := v.Get("name")
	name, _ = n.String()
	m, _ := v.Get("message")
	msg, _ = m.String()
	return ctor, name, msg
}

func assert(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if !ok {
		t.Errorf(format, args...)
	}
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
