//go:build js && wasm

package jsbridge

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"time"

	"github.com/wsbeat/wsbeat/internal/safejs"
	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Version is the engine's version, reported as WSBeat.engineVersion.
const Version = "0.1.0"

// engine holds the sockets of the page, by the id wsbeat.js knows them by.
type engine struct {
	mu      sync.Mutex
	nextID  int
	sockets map[int]*bridged
	funcs   []*jsFunc
}

// bridged is one engine Socket and the transport it dials with.
type bridged struct {
	*wsbeat.Socket
	tr *transport
}

// Start builds the engine object and hands it to the page: wsbeat.js
// creates globalThis.__wsbeatBoot = {resolve, reject} before running the
// program, and Start calls resolve(engine). It returns an error if the
// page did not prepare that, so a stray run of the binary says why.
func Start() error {
	boot, err := safejs.Global().Get("__wsbeatBoot")
	if err != nil || boot.Type() != safejs.TypeObject {
		return errors.New("jsbridge: globalThis.__wsbeatBoot is missing; load wsbeat.wasm through wsbeat.js")
	}
	e := &engine{sockets: map[int]*bridged{}}
	obj, err := e.object()
	if err != nil {
		return err
	}
	_, err = boot.Call("resolve", obj)
	return err
}

type exported func(args []safejs.Value) (any, error)

// object returns the JS object of the engine's functions. They live as
// long as the program.
func (e *engine) object() (safejs.Value, error) {
	objCtor, err := safejs.Global().Get("Object")
	if err != nil {
		return safejs.Undefined(), err
	}
	obj, err := objCtor.New()
	if err != nil {
		return safejs.Undefined(), err
	}
	for name, fn := range map[string]exported{
		"newSocket": e.newSocket,
		"send":      e.send,
		"close": e.withSocket(func(s *bridged, a []safejs.Value) (any, error) {
			s.Close(optInt(a, 1), optString(a, 2))
			return nil, nil
		}),
		"reconnect": e.withSocket(func(s *bridged, a []safejs.Value) (any, error) {
			s.Reconnect(optInt(a, 1), optString(a, 2))
			return nil, nil
		}),
		"probe":  e.withSocket(func(s *bridged, _ []safejs.Value) (any, error) { s.Probe(); return nil, nil }),
		"resume": e.withSocket(func(s *bridged, _ []safejs.Value) (any, error) { s.Resume(); return nil, nil }),
		"pause":  e.withSocket(func(s *bridged, _ []safejs.Value) (any, error) { s.Pause(); return nil, nil }),
		"setOnline": e.withSocket(func(s *bridged, a []safejs.Value) (any, error) {
			on := true
			if len(a) > 1 {
				on, _ = a[1].Truthy()
			}
			s.SetOnline(on)
			return nil, nil
		}),
		"opened": e.opened,
		"failed": e.failed,
		"closed": e.closed,
		"pong":   e.pong,
		"get":    e.get,
		"stats":  e.stats,
	} {
		f := newFunc(fn)
		e.funcs = append(e.funcs, f)
		if err := obj.Set(name, f.Value()); err != nil {
			return safejs.Undefined(), err
		}
	}
	obj.Set("version", Version)
	return obj, nil
}

// socketOf returns the socket whose id is args[0].
func (e *engine) socketOf(args []safejs.Value) (*bridged, error) {
	if len(args) == 0 || args[0].Type() != safejs.TypeNumber {
		return nil, typeError("wsbeat: expected a socket id as first argument")
	}
	id, _ := args[0].Int()
	e.mu.Lock()
	s := e.sockets[id]
	e.mu.Unlock()
	if s == nil {
		return nil, domException("InvalidStateError", "wsbeat: socket %d is closed", id)
	}
	return s, nil
}

func (e *engine) withSocket(fn func(s *bridged, args []safejs.Value) (any, error)) exported {
	return func(args []safejs.Value) (any, error) {
		s, err := e.socketOf(args)
		if err != nil {
			return nil, err
		}
		return fn(s, args)
	}
}

// newSocket(jsSocket, url, protocols, options) starts an engine Socket for
// a JS socket object and returns its id. url is a checked absolute URL, or
// null when the JS socket has a URL function (called through _resolveURL).
func (e *engine) newSocket(args []safejs.Value) (any, error) {
	if len(args) < 4 || args[0].Type() != safejs.TypeObject || args[3].Type() != safejs.TypeObject {
		return nil, typeError("wsbeat: newSocket(socket, url, protocols, options) needs an object, a URL, an array and an object")
	}
	sock := args[0]
	opts, err := jsOptions(args[3], sock)
	if err != nil {
		return nil, err
	}
	protos, err := stringArray(args[2])
	if err != nil {
		return nil, err
	}
	opts.Protocols = protos
	tr := &transport{js: sock}
	opts.Transport = tr

	e.mu.Lock()
	e.nextID++
	id := e.nextID
	e.mu.Unlock()
	opts.OnEvent = func(ev wsbeat.Event) {
		emit(sock, ev)
		if ev.Type == wsbeat.EventClose && !ev.WillReconnect {
			e.mu.Lock()
			delete(e.sockets, id)
			e.mu.Unlock()
		}
	}
	opts.StartClosed = true // started below, once it is in the map

	var s *wsbeat.Socket
	switch args[1].Type() {
	case safejs.TypeString:
		u, _ := args[1].String()
		s, err = wsbeat.New(u, &opts)
		if err != nil {
			return nil, &jsErr{ctor: "SyntaxError", msg: err.Error()}
		}
	case safejs.TypeNull, safejs.TypeUndefined:
		s, err = wsbeat.NewFunc(urlFunc(sock), &opts)
	default:
		return nil, typeError("wsbeat: url must be a string or null, got %s", args[1].Type())
	}
	if err != nil {
		return nil, typeError("%v", err)
	}
	e.mu.Lock()
	e.sockets[id] = &bridged{Socket: s, tr: tr}
	e.mu.Unlock()
	s.Reconnect(0, "")
	return id, nil
}

// urlFunc asks the JS socket for the next URL. wsbeat.js calls the page's
// function, awaits it, checks the URL, and calls back exactly once, by the
// timeout at the latest, so the single-use callback is always released.
func urlFunc(sock safejs.Value) wsbeat.URLFunc {
	return func(ctx context.Context) (string, error) {
		type result struct {
			url string
			err error
		}
		ch := make(chan result, 1)
		var cb *jsFunc
		cb = newFunc(func(args []safejs.Value) (any, error) {
			defer cb.Release()
			r := result{err: errors.New("URL function gave no URL")}
			if len(args) >= 2 {
				if args[0].Type() == safejs.TypeString {
					msg, _ := args[0].String()
					r.err = errors.New(msg)
				} else if args[1].Type() == safejs.TypeString {
					r.url, _ = args[1].String()
					r.err = nil
				}
			}
			ch <- r
			return nil, nil
		})
		timeout := time.Second
		if d, ok := ctx.Deadline(); ok {
			timeout = time.Until(d)
		}
		if _, err := sock.Call("_resolveURL", timeout.Milliseconds(), cb.Value()); err != nil {
			cb.Release()
			return "", err
		}
		select {
		case r := <-ch:
			return r.url, r.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
}

// send(id, data, size, binary) sends or queues data, which Go never reads.
func (e *engine) send(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	if len(args) < 4 || args[2].Type() != safejs.TypeNumber {
		return nil, typeError("wsbeat: send(id, data, size, binary) needs a size")
	}
	size, _ := args[2].Int()
	binary, _ := args[3].Truthy()
	r, err := s.Send(wsbeat.Message{Binary: binary, Data: args[1], Size: size})
	switch {
	case errors.Is(err, wsbeat.ErrClosed):
		return nil, domException("InvalidStateError", "wsbeat: send after close()")
	case errors.Is(err, wsbeat.ErrQueueFull):
		return nil, domException("QuotaExceededError", "%v (overflow is \"throw\")", err)
	case err != nil:
		return nil, err
	}
	return r.String(), nil
}

// connOf returns the connection that an event from wsbeat.js, with the
// socket id and WebSocket generation as its first arguments, is about, or
// nil if the event is stale.
func (e *engine) connOf(args []safejs.Value) (*conn, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	return s.tr.current(optInt(args, 1)), nil
}

// opened(id, gen, protocol, extensions) reports a WebSocket's open event.
func (e *engine) opened(args []safejs.Value) (any, error) {
	c, err := e.connOf(args)
	if c != nil {
		c.ev.Opened(optString(args, 2), optString(args, 3))
	}
	return nil, err
}

// failed(id, gen) reports a WebSocket's error event.
func (e *engine) failed(args []safejs.Value) (any, error) {
	c, err := e.connOf(args)
	if c != nil {
		c.ev.Failed(errWebSocket)
	}
	return nil, err
}

// closed(id, gen, code, reason, wasClean) reports a WebSocket's close
// event. wsbeat.js has already detached the WebSocket.
func (e *engine) closed(args []safejs.Value) (any, error) {
	c, err := e.connOf(args)
	if c != nil {
		c.detached = true
		clean := false
		if len(args) > 4 {
			clean, _ = args[4].Truthy()
		}
		c.ev.Closed(optInt(args, 2), optString(args, 3), clean)
	}
	return nil, err
}

// pong(id) reports a heartbeat response that wsbeat.js filtered out.
func (e *engine) pong(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	text := wsbeat.DefaultHeartbeatResponse
	if len(args) > 1 && args[1].Type() == safejs.TypeString {
		text, _ = args[1].String()
	}
	s.tr.received(wsbeat.Text(text))
	return nil, nil
}

// get(id, name) returns one property of the socket.
func (e *engine) get(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	name := optString(args, 1)
	switch name {
	case "retryCount":
		return s.RetryCount(), nil
	case "queuedMessages":
		return s.QueuedMessages(), nil
	case "queuedBytes":
		return s.QueuedBytes(), nil
	case "url":
		return s.URL(), nil
	case "state":
		return s.State().String(), nil
	}
	return nil, typeError("wsbeat: unknown property %q", name)
}

// stats() reports what the churn tests watch: live js.Funcs, goroutines,
// engine sockets and Go heap.
func (e *engine) stats(_ []safejs.Value) (any, error) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	e.mu.Lock()
	n := len(e.sockets)
	e.mu.Unlock()
	return map[string]any{
		"funcs":      int(liveFuncs.Load()),
		"goroutines": runtime.NumGoroutine(),
		"sockets":    n,
		"heapAlloc":  float64(ms.HeapAlloc),
		"sys":        float64(ms.Sys),
	}, nil
}

// emit hands an engine event to the JS socket: _ev(type, a, b, c, d) with
// plain values, which wsbeat.js turns into DOM events.
func emit(sock safejs.Value, ev wsbeat.Event) {
	var args []any
	switch ev.Type {
	case wsbeat.EventOpen:
		args = []any{ev.RetryCount}
	case wsbeat.EventMessage:
		args = []any{messageValue(ev.Message)}
	case wsbeat.EventClose:
		args = []any{ev.Close.Code, ev.Close.Reason, ev.Close.WasClean, ev.WillReconnect}
	case wsbeat.EventError:
		msg := ""
		if ev.Err != nil {
			msg = ev.Err.Error()
		}
		args = []any{msg}
	case wsbeat.EventReconnecting:
		args = []any{ev.Attempt, ms(ev.Delay)}
	case wsbeat.EventHeartbeat:
		args = []any{ms(ev.RTT)}
	case wsbeat.EventDrop:
		data := make([]any, len(ev.Dropped))
		for i, m := range ev.Dropped {
			data[i] = messageValue(m)
		}
		args = []any{data, ev.DropReason}
	case wsbeat.EventStateChange:
		args = []any{ev.State.String(), ev.Previous.String()}
	}
	sock.Call("_ev", append([]any{ev.Type.String()}, args...)...)
}

func messageValue(m wsbeat.Message) any {
	switch d := m.Data.(type) {
	case safejs.Value:
		return d
	case string:
		return d
	}
	return msgfmt.Value(m.Data)
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

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
		return nil, typeError("wsbeat: protocols must be an array of strings, got a %s", v.Type())
	}
	n, err := v.Length()
	if err != nil {
		return nil, typeError("wsbeat: protocols must be an array of strings")
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		p, _ := v.Index(i)
		if p.Type() != safejs.TypeString {
			return nil, typeError("wsbeat: protocols[%d] is a %s; it must be a string", i, p.Type())
		}
		s, _ := p.String()
		out = append(out, s)
	}
	return out, nil
}
