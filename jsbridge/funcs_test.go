//go:build js && wasm

package jsbridge

import (
	"errors"
	"fmt"
	"testing"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// TestGuardTurnsPanicsIntoErrors: whatever panics inside an exported
// function (a string, an error, a runtime error, a syscall/js panic on a
// BigInt) comes back to JS as an Error naming it, and the program goes on.
func TestGuardTurnsPanicsIntoErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		fn   func([]safejs.Value) (any, error)
		want string
	}{
		{"string", func([]safejs.Value) (any, error) { panic("boom") }, "boom"},
		{"error", func([]safejs.Value) (any, error) { panic(fmt.Errorf("bad %d", 7)) }, "bad 7"},
		{"index out of range", func(a []safejs.Value) (any, error) { return a[3], nil }, "index out of range"},
		{"nil map", func([]safejs.Value) (any, error) {
			var m map[string]int
			m["x"] = 1
			return nil, nil
		}, "nil map"},
		{"BigInt type", func(a []safejs.Value) (any, error) { return a[0].Type().String(), nil }, "bad type flag"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []safejs.Value{jsEval(t, "10n")}
			v, ok := guard(tc.fn, args).(safejs.Value)
			assert(t, ok, "guard returned %T, want a JS value", v)
			ctor, _, msg := errorInfo(t, v)
			assert(t, ctor == "Error" && contains(msg, "internal error", tc.want), "got %s %q, want an Error with %q", ctor, msg, tc.want)
		})
	}
}

// TestGuardErrors: the errors an exported function returns become JS
// errors of their kind (errorKinds), each with its code, which wsbeat.js
// throws as they are.
func TestGuardErrors(t *testing.T) {
	for _, tc := range []struct {
		err                    error
		ctor, name, text, code string
	}{
		{optionError("wsbeat: option %s is bad", "x"), "TypeError", "TypeError", "wsbeat: option x is bad", "ERR_INVALID_OPTION"},
		{argError("wsbeat: bad %s", "call"), "TypeError", "TypeError", "wsbeat: bad call", "ERR_INVALID_ARGUMENT"},
		{msgfmt.Wrap(wsbeat.ErrInvalidURL, "bad url"), "DOMException", "SyntaxError", "bad url", "ERR_INVALID_URL"},
		{closedError("closed %d", 3), "DOMException", "InvalidStateError", "closed 3", "ERR_CLOSED"},
		{msgfmt.Wrap(wsbeat.ErrQueueFull, "full"), "DOMException", "QuotaExceededError", "full", "ERR_QUEUE_FULL"},
		{wsbeat.ErrConnectionTimeout, "Error", "Error", wsbeat.ErrConnectionTimeout.Error(), "ERR_CONNECTION_TIMEOUT"},
		{msgfmt.Wrap(errURLFunction, "no"), "Error", "Error", "no", "ERR_URL_FUNCTION"},
		{errors.New("plain"), "Error", "Error", "plain", "ERR_INTERNAL"},
	} {
		v := guard(func([]safejs.Value) (any, error) { return nil, tc.err }, nil)
		ctor, name, msg := errorInfo(t, v.(safejs.Value))
		c, _ := v.(safejs.Value).Get("code")
		code, _ := c.String()
		assert(t, ctor == tc.ctor && name == tc.name && msg == tc.text && code == tc.code,
			"%v: got %s %s %q %s, want %s %s %q %s", tc.err, ctor, name, msg, code, tc.ctor, tc.name, tc.text, tc.code)
	}
	v := guard(func([]safejs.Value) (any, error) { return "value", nil }, nil)
	assert(t, v == "value", "a result passes through, got %v", v)
}

// TestErrorKindsAgreeWithEngine: every kind of the engine's errors has
// the same code in JS as wsbeat.ErrorCode gives it in Go.
func TestErrorKindsAgreeWithEngine(t *testing.T) {
	for _, err := range []error{
		wsbeat.ErrInvalidURL, wsbeat.ErrInvalidOption, wsbeat.ErrInvalidMessage, wsbeat.ErrClosed,
		wsbeat.ErrQueueFull, wsbeat.ErrBufferFull, wsbeat.ErrConnectionTimeout, wsbeat.ErrHeartbeatTimeout,
		wsbeat.ErrRefused, wsbeat.ErrConnectionLost, wsbeat.ErrMessageTooBig, wsbeat.ErrURLFunction,
		wsbeat.ErrReliableRefused, wsbeat.ErrProtocol,
	} {
		got, want := kindOf(msgfmt.Wrap(err, "x")).code, wsbeat.ErrorCode(err)
		assert(t, want != "" && got == want, "%v: JS code %q, Go code %q", err, got, want)
	}
}

// TestFuncCountAndGuardThroughJS: newFunc counts a live js.Func until its
// Release (which is idempotent), and a panic inside it, when JS calls it,
// returns an Error to the caller instead of ending the Go program.
func TestFuncCountAndGuardThroughJS(t *testing.T) {
	before := liveFuncs.Load()
	calls := 0
	f := newFunc(func(args []safejs.Value) (any, error) {
		calls++
		if len(args) > 0 {
			if s, _ := args[0].String(); s == "panic" {
				panic("asked to")
			}
		}
		return len(args), nil
	})
	assert(t, liveFuncs.Load() == before+1, "live funcs %d, want %d", liveFuncs.Load(), before+1)

	r, err := f.Value().Invoke(1, 2)
	n, _ := r.Int()
	assert(t, err == nil && n == 2, "call: %v, %v", r, err)
	r, err = f.Value().Invoke("panic")
	assert(t, err == nil, "a panic must not throw: %v", err)
	ctor, _, msg := errorInfo(t, r)
	assert(t, ctor == "Error" && contains(msg, "asked to"), "panic result: %s %q", ctor, msg)
	r, err = f.Value().Invoke()
	n, _ = r.Int()
	assert(t, err == nil && n == 0 && calls == 3, "the program goes on after a panic: %v, %v, %d calls", r, err, calls)

	f.Release()
	f.Release()
	assert(t, liveFuncs.Load() == before, "after Release: live funcs %d, want %d", liveFuncs.Load(), before)
}
