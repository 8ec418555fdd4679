//go:build js && wasm

package jsbridge

import (
	"sync/atomic"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// liveFuncs counts js.Funcs created and not yet released, so a test can
// check that reconnecting leaks none.
var liveFuncs atomic.Int64

// callsIn and callsOut count calls from JS into Go (through guard) and
// from Go into JS (through callJS), so a test can count the crossings a
// reconnect costs (docs/internals.md).
var callsIn, callsOut atomic.Int64

// callJS calls v[name](args...), counted in callsOut.
func callJS(v safejs.Value, name string, args ...any) (safejs.Value, error) {
	callsOut.Add(1)
	return v.Call(name, args...)
}

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
			result = internalKind.value("wsbeat: internal error: " + msgfmt.Value(r))
		}
	}()
	callsIn.Add(1)
	v, err := fn(args)
	if err != nil {
		return errorValue(err)
	}
	return v
}
