//go:build js && wasm

package jsbridge

import (
	"errors"
	"time"

	"github.com/hack-pad/safejs"
	"github.com/wsbeat/wsbeat"
)

// transport is the browser's WebSocket as a wsbeat.Transport for one
// socket of the JS API. The JS socket object (wsbeat.js) owns the fast
// path: it is told of each new WebSocket with _attach, then sends on it
// and delivers its messages itself, and forgets it on _detach.
type transport struct {
	js  safejs.Value // the JS socket object
	cur *conn        // the latest WebSocket, whose messages JS reports
}

// received reports a message that wsbeat.js took off the fast path (a
// heartbeat response) on the latest connection.
func (t *transport) received(m wsbeat.Message) {
	if c := t.cur; c != nil && !c.detached {
		c.ev.Received(m)
	}
}

// Dial creates the page's WebSocket. A constructor exception (a bad URL
// from a URL function, a bad protocol) is a failed attempt.
func (t *transport) Dial(url string, protocols []string, ev wsbeat.ConnEvents) (wsbeat.Conn, error) {
	ctor, err := safejs.Global().Get("WebSocket")
	if err != nil {
		return nil, err
	}
	protos := make([]any, len(protocols))
	for i, p := range protocols {
		protos[i] = p
	}
	ws, err := ctor.New(url, protos)
	if err != nil {
		return nil, &wrapError{msg: "WebSocket constructor: " + err.Error(), err: err}
	}
	c := &conn{js: t.js, ws: ws, ev: ev}
	t.cur = c
	if _, err := t.js.Call("_attach", ws); err != nil {
		ws.Call("close")
		return nil, err
	}
	c.listen("open", func(safejs.Value) {
		proto, _ := stringProp(ws, "protocol")
		ext, _ := stringProp(ws, "extensions")
		ev.Opened(proto, ext)
	})
	c.listen("error", func(safejs.Value) {
		ev.Failed(errors.New("WebSocket error"))
	})
	c.listen("close", func(e safejs.Value) {
		code, _ := intProp(e, "code")
		reason, _ := stringProp(e, "reason")
		clean, _ := boolProp(e, "wasClean")
		c.detach()
		ev.Closed(code, reason, clean)
	})
	return c, nil
}

// conn is one browser WebSocket. Its listeners live until its close event
// or until the engine abandons it.
type conn struct {
	js       safejs.Value
	ws       safejs.Value
	ev       wsbeat.ConnEvents
	removers []func()
	detached bool
}

// listen adds a listener whose remover detaches it and releases its
// js.Func.
func (c *conn) listen(event string, fn func(e safejs.Value)) {
	f := newFunc(func(args []safejs.Value) (any, error) {
		e := safejs.Undefined()
		if len(args) > 0 {
			e = args[0]
		}
		fn(e)
		return nil, nil
	})
	if _, err := c.ws.Call("addEventListener", event, f.Value()); err != nil {
		f.Release()
		return
	}
	c.removers = append(c.removers, func() {
		c.ws.Call("removeEventListener", event, f.Value())
		f.Release()
	})
}

// detach removes every listener and tells the JS socket to forget the
// WebSocket, so nothing it does later reaches the page or the engine.
func (c *conn) detach() {
	if c.detached {
		return
	}
	c.detached = true
	for _, r := range c.removers {
		r()
	}
	c.removers = nil
	c.js.Call("_detach", c.ws)
}

func (c *conn) Send(m wsbeat.Message) error {
	var err error
	switch d := m.Data.(type) {
	case safejs.Value:
		_, err = c.ws.Call("send", d)
	case string:
		_, err = c.ws.Call("send", d)
	default:
		return errors.New("jsbridge: cannot send a message of this type")
	}
	return err
}

// closeArgs returns the arguments of WebSocket.close for code and reason:
// WebSocket accepts only 1000 and 3000–4999, so other codes close without
// one.
func closeArgs(code int, reason string) []any {
	if code == 1000 || (code >= 3000 && code <= 4999) {
		return []any{code, reason}
	}
	return nil
}

func (c *conn) Close(code int, reason string) {
	if _, err := c.ws.Call("close", closeArgs(code, reason)...); err != nil {
		c.ws.Call("close")
	}
}

func (c *conn) Abandon(code int, reason string) {
	c.detach()
	if _, err := c.ws.Call("close", closeArgs(code, reason)...); err != nil {
		c.ws.Call("close")
	}
}

// LastReceived converts the JS socket's time of its last message
// (performance.now() milliseconds, 0 for none) into a time.Time.
func (c *conn) LastReceived() time.Time {
	last, err := floatProp(c.js, "_lastIn")
	if err != nil || last <= 0 {
		return time.Time{}
	}
	now, err := perfNow()
	if err != nil {
		return time.Time{}
	}
	return time.Now().Add(-time.Duration((now - last) * float64(time.Millisecond)))
}

func (c *conn) BufferedAmount() int {
	n, _ := intProp(c.ws, "bufferedAmount")
	return n
}

var performance = func() safejs.Value {
	p, _ := safejs.Global().Get("performance")
	return p
}()

func perfNow() (float64, error) {
	v, err := performance.Call("now")
	if err != nil {
		return 0, err
	}
	return v.Float()
}

func stringProp(v safejs.Value, name string) (string, error) {
	p, err := v.Get(name)
	if err != nil {
		return "", err
	}
	if p.Type() != safejs.TypeString {
		return "", errors.New(name + " is not a string")
	}
	return p.String()
}

func intProp(v safejs.Value, name string) (int, error) {
	f, err := floatProp(v, name)
	return int(f), err
}

func floatProp(v safejs.Value, name string) (float64, error) {
	p, err := v.Get(name)
	if err != nil {
		return 0, err
	}
	if p.Type() != safejs.TypeNumber {
		return 0, errors.New(name + " is not a number")
	}
	return p.Float()
}

func boolProp(v safejs.Value, name string) (bool, error) {
	p, err := v.Get(name)
	if err != nil {
		return false, err
	}
	return p.Truthy()
}
