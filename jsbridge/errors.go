//go:build js && wasm

package jsbridge

import (
	"errors"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// errorKind is how a Go error looks in JS: a constructor, or a
// DOMException name, and the stable code of ErrorCode in js/src/errors.js.
type errorKind struct {
	err  error  // matched with errors.Is
	ctor string // JS constructor, or "" for a DOMException
	name string // DOMException name
	code string
}

// errorKinds maps the engine's errors to JS, in one table. Errors that
// match none are Errors with code ERR_INTERNAL.
var errorKinds = []errorKind{
	{err: wsbeat.ErrInvalidURL, name: "SyntaxError", code: "ERR_INVALID_URL"},
	{err: wsbeat.ErrInvalidOption, ctor: "TypeError", code: "ERR_INVALID_OPTION"},
	{err: errInvalidArgument, ctor: "TypeError", code: "ERR_INVALID_ARGUMENT"},
	{err: wsbeat.ErrClosed, name: "InvalidStateError", code: "ERR_CLOSED"},
	{err: wsbeat.ErrQueueFull, name: "QuotaExceededError", code: "ERR_QUEUE_FULL"},
	{err: wsbeat.ErrConnectionTimeout, ctor: "Error", code: "ERR_CONNECTION_TIMEOUT"},
	{err: wsbeat.ErrHeartbeatTimeout, ctor: "Error", code: "ERR_HEARTBEAT_TIMEOUT"},
	{err: errURLFunction, ctor: "Error", code: "ERR_URL_FUNCTION"},
	{err: errWebSocket, ctor: "Error", code: "ERR_WEBSOCKET"},
	{err: wsbeat.ErrURLFunction, ctor: "Error", code: "ERR_URL_FUNCTION"},
	{err: wsbeat.ErrInvalidMessage, ctor: "TypeError", code: "ERR_INVALID_MESSAGE"},
	{err: wsbeat.ErrBufferFull, ctor: "Error", code: "ERR_BUFFER_FULL"},
	{err: wsbeat.ErrRefused, ctor: "Error", code: "ERR_REFUSED"},
	{err: wsbeat.ErrConnectionLost, ctor: "Error", code: "ERR_CONNECTION_LOST"},
	{err: wsbeat.ErrMessageTooBig, ctor: "Error", code: "ERR_MESSAGE_TOO_BIG"},
	{err: wsbeat.ErrReliableRefused, ctor: "Error", code: "ERR_RELIABLE_REFUSED"},
	{err: wsbeat.ErrProtocol, ctor: "Error", code: "ERR_PROTOCOL"},
}

var internalKind = errorKind{ctor: "Error", code: "ERR_INTERNAL"}

var (
	// errInvalidArgument: a call into the engine with arguments that
	// wsbeat.js never passes.
	errInvalidArgument = errors.New("wsbeat: invalid argument")
	// errURLFunction: the page's URL function failed, threw or timed out.
	errURLFunction = errors.New("wsbeat: URL function failed")
	// errWebSocket is the error of a WebSocket's error event, which says
	// no more, or of its constructor.
	errWebSocket = errors.New("WebSocket error")
)

// kindOf returns the kind of err.
func kindOf(err error) errorKind {
	if err != nil {
		for _, k := range errorKinds {
			if errors.Is(err, k.err) {
				return k
			}
		}
	}
	return internalKind
}

func argError(format string, args ...any) error {
	return msgfmt.Wrap(errInvalidArgument, msgfmt.Sprintf(format, args...))
}

func optionError(format string, args ...any) error {
	return msgfmt.Wrap(wsbeat.ErrInvalidOption, msgfmt.Sprintf(format, args...))
}

func closedError(format string, args ...any) error {
	return msgfmt.Wrap(wsbeat.ErrClosed, msgfmt.Sprintf(format, args...))
}

// errorValue returns err as the JS error of its kind, with its code.
func errorValue(err error) safejs.Value {
	return kindOf(err).value(err.Error())
}

func (k errorKind) value(msg string) safejs.Value {
	var v safejs.Value
	if k.ctor == "" {
		v = domExceptionValue(k.name, msg)
	} else {
		v = jsError(k.ctor, msg)
	}
	if v.Type() == safejs.TypeObject {
		// DOMException has a numeric legacy code on its prototype; an own
		// property shadows it.
		if obj, err := safejs.Global().Get("Object"); err == nil {
			desc, _ := newObject()
			desc.Set("value", k.code)
			desc.Set("enumerable", true)
			desc.Set("configurable", true)
			obj.Call("defineProperty", v, "code", desc)
		}
	}
	return v
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
