//go:build js && wasm

package jsbridge

import (
	"sync/atomic"

	"github.com/wsbeat/wsbeat/internal/safejs"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// liveFuncs counts js.Funcs created and not yet released, so a test can
// check that reconnecting leaks none.
var liveFuncs atomic.Int64

// jsFunc is a js.Func with its release, counted in liveFuncs.
type jsFunc struct {
	f        safejs.Func
	released atomic.Bool
}

// newFunc wraps fn in a js.Func behind the guard: a panic in fn becomes a
// returned JS Error instead of killing the Go program.
func newFunc(fn func(args []safejs.Value) (any, error)) *jsFunc {
	f, err := safejs.FuncOf(func(_ safejs.Value, args []safejs.Value) any {
		return guard(fn, args)
	})
	if err != nil {
		panic("jsbridge: FuncOf failed: " + err.Error()) // only without a JS runtime
	}
	liveFuncs.Add(1)
	return &jsFunc{f: f}
}

func (f *jsFunc) Value() safejs.Value { return f.f.Value() }

// Release frees the js.Func; later calls from JS throw. It is idempotent.
func (f *jsFunc) Release() {
	if f.released.CompareAndSwap(false, true) {
		f.f.Release()
		liveFuncs.Add(-1)
	}
}

// guard runs fn and turns an error or a panic into a JS Error value, which
// wsbeat.js throws. A panic that escaped would end the Go program and make
// every later call throw "Go program has already exited".
func guard(fn func(args []safejs.Value) (any, error), args []safejs.Value) (result any) {
	defer func() {
		if r := recover(); r != nil {
			result = jsError("Error", "wsbeat: internal error: "+msgfmt.Value(r))
		}
	}()
	v, err := fn(args)
	if err != nil {
		return errorValue(err)
	}
	return v
}

// jsErr is an error that becomes a JS error of a given constructor
// ("TypeError", "SyntaxError") or a DOMException with a given name.
type jsErr struct {
	ctor string // JS constructor name, or "" for DOMException
	name string // DOMException name
	msg  string
}

func (e *jsErr) Error() string { return e.msg }

func typeError(format string, args ...any) error {
	return &jsErr{ctor: "TypeError", msg: msgfmt.Sprintf(format, args...)}
}

func domException(name, format string, args ...any) error {
	return &jsErr{name: name, msg: msgfmt.Sprintf(format, args...)}
}

func errorValue(err error) safejs.Value {
	if e, ok := err.(*jsErr); ok {
		if e.ctor == "" {
			return domExceptionValue(e.name, e.msg)
		}
		return jsError(e.ctor, e.msg)
	}
	return jsError("Error", err.Error())
}

func jsError(ctor, msg string) safejs.Value {
	c, err := safejs.Global().Get(ctor)
	if err == nil {
		if v, err := c.New(msg); err == nil {
			return v
		}
	}
	return safejs.Null()
}

func domExceptionValue(name, msg string) safejs.Value {
	c, err := safejs.Global().Get("DOMException")
	if err == nil {
		if v, err := c.New(msg, name); err == nil {
			return v
		}
	}
	return jsError("Error", msg)
}
