//go:build js && wasm

package jsbridge

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// Version is the engine's version, reported as WSBeat.engineVersion.
const Version = "0.1.0"

// engine holds the Go sockets of the page, by the id wsbeat.js knows them
// by. The protocol of its functions is docs/internals.md.
type engine struct {
	mu      sync.Mutex
	nextID  int
	sockets map[int]*bridged
	funcs   []*jsFunc
}

// bridged is one Go socket, the JS port it reports to (js/src/port.js),
// and the transport it dials with.
type bridged struct {
	*wsbeat.Socket
	id   int
	port safejs.Value
	tr   *transport
	pong string // the heartbeat response, which pong reports
	// verdict is the page's shouldReconnect answer for the close that
	// closed() is reporting, asked by JS before the call (outside the
	// engine's lock); the engine's ShouldReconnect takes it.
	verdict *closeVerdict
	// userClosed mirrors the engine's: close() was the last of close() and
	// reconnect(). The Go socket is released after the final close that
	// close() asked for; reconnect() then makes a new one.
	userClosed atomic.Bool
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

// object returns the JS object of the engine's functions (JS → Go in
// docs/internals.md). They live as long as the program.
func (e *engine) object() (safejs.Value, error) {
	obj, err := newObject()
	if err != nil {
		return safejs.Undefined(), err
	}
	for name, fn := range map[string]exported{
		"create":    e.create,
		"send":      e.send,
		"close":     e.withSocket(e.close),
		"reconnect": e.withSocket(e.reconnect),
		"opened":    e.opened,
		"failed":    e.failed,
		"closed":    e.closed,
		"pong":      e.pong,
		"get":       e.get,
		"page":      e.page,
		"release":   e.release,
		"stats":     e.stats,
	} {
		f := newFunc(fn)
		e.funcs = append(e.funcs, f)
		if err := obj.Set(name, f.Value()); err != nil {
			return safejs.Undefined(), err
		}
	}
	codes := make([]any, len(errorKinds))
	for i, k := range errorKinds {
		codes[i] = k.code
	}
	obj.Set("errorCodes", codes)
	obj.Set("version", Version)
	return obj, nil
}

// socketOf returns the socket whose id is args[0].
func (e *engine) socketOf(args []safejs.Value) (*bridged, error) {
	if len(args) == 0 || args[0].Type() != safejs.TypeNumber {
		return nil, argError("wsbeat: expected a socket id as first argument")
	}
	id, _ := args[0].Int()
	e.mu.Lock()
	s := e.sockets[id]
	e.mu.Unlock()
	if s == nil {
		return nil, closedError("wsbeat: socket %d is closed", id)
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

// forget releases b: it is no longer reachable from JS. It reports
// whether b was still known.
func (e *engine) forget(b *bridged) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sockets[b.id] != b {
		return false
	}
	delete(e.sockets, b.id)
	return true
}

// create(port, url, protocols, options, calls) makes the Go socket of a JS
// socket, closed, and replays into it the calls that waited for it
// (["reconnect", code, reason], ["send", data, size, binary],
// ["close", code, reason]), before any WebSocket is made. url is a checked
// absolute URL, or null when the JS socket has a URL function. It returns
// the socket's id, or 0 if the replayed calls ended in a close that
// released it at once.
func (e *engine) create(args []safejs.Value) (any, error) {
	if len(args) < 5 || args[0].Type() != safejs.TypeObject || args[3].Type() != safejs.TypeObject {
		return nil, argError("wsbeat: create(port, url, protocols, options, calls) needs an object, a URL, an array, an object and an array")
	}
	port := args[0]
	opts, err := jsOptions(args[3], port)
	if err != nil {
		return nil, err
	}
	protos, err := stringArray(args[2])
	if err != nil {
		return nil, err
	}
	calls, err := readCalls(args[4])
	if err != nil {
		return nil, err
	}
	opts.Protocols = protos
	tr := &transport{js: port}
	opts.Transport = tr
	b := &bridged{port: port, tr: tr, pong: opts.HeartbeatResponse}
	if ask := opts.ShouldReconnect; ask != nil {
		opts.ShouldReconnect = func(c wsbeat.CloseInfo) bool {
			if v := b.verdict; v != nil && v.info == c {
				return v.ok
			}
			// A close the engine decided itself (a heartbeat timeout): the
			// page's function runs under the engine's lock, where it must
			// not call the socket (port.busy).
			return ask(c)
		}
	}
	if b.pong == "" {
		b.pong = wsbeat.DefaultHeartbeatResponse
	}
	opts.OnEvent = func(ev wsbeat.Event) { e.deliver(b, ev) }
	opts.StartClosed = true // the replayed calls start it

	var s *wsbeat.Socket
	switch args[1].Type() {
	case safejs.TypeString:
		u, _ := args[1].String()
		s, err = wsbeat.New(u, &opts)
	case safejs.TypeNull, safejs.TypeUndefined:
		s, err = wsbeat.NewFunc(urlFunc(port), &opts)
	default:
		return nil, argError("wsbeat: url must be a string or null, got %s", args[1].Type())
	}
	if err != nil {
		return nil, err
	}
	b.Socket = s
	e.mu.Lock()
	e.nextID++
	b.id = e.nextID
	e.sockets[b.id] = b
	e.mu.Unlock()

	tr.hold = true
	for _, c := range calls {
		e.replay(b, c)
	}
	tr.hold = false
	tr.dialHeld()

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.sockets[b.id] != b {
		return 0, nil
	}
	return b.id, nil
}

// replay applies one call that waited for the Go socket. A send that the
// full queue refuses (overflow "throw") is reported as a drop event, since
// its send() returned "queued" long ago.
func (e *engine) replay(b *bridged, c call) {
	switch c.name {
	case "reconnect":
		b.userClosed.Store(false)
		b.Reconnect(c.code, c.reason)
	case "close":
		e.closeSocket(b, c.code, c.reason)
	case "send":
		_, err := b.Send(wsbeat.Message{Binary: c.binary, Data: c.data, Size: c.size})
		if errors.Is(err, wsbeat.ErrQueueFull) {
			emit(b.port, wsbeat.Event{Type: wsbeat.EventDrop, Dropped: []wsbeat.Message{{Data: c.data}}, DropReason: wsbeat.DropOverflow}, false)
		}
	}
}

// deliver hands an engine event to the JS port. The final close after
// close() releases the Go socket, and says so.
func (e *engine) deliver(b *bridged, ev wsbeat.Event) {
	released := false
	if ev.Type == wsbeat.EventClose && !ev.WillReconnect && b.userClosed.Load() && b.State() == wsbeat.StateClosed {
		released = e.forget(b)
	}
	emit(b.port, ev, released)
}

// close(id, code, reason) closes the socket. It returns true when the
// socket was closed already and is released at once (no close event
// follows to say so).
func (e *engine) close(b *bridged, a []safejs.Value) (any, error) {
	return e.closeSocket(b, optInt(a, 1), optString(a, 2)), nil
}

func (e *engine) closeSocket(b *bridged, code int, reason string) bool {
	b.userClosed.Store(true)
	wasClosed := b.State() == wsbeat.StateClosed
	b.Close(code, reason)
	return wasClosed && e.forget(b)
}

// reconnect(id, code, reason) reconnects now.
func (e *engine) reconnect(b *bridged, a []safejs.Value) (any, error) {
	b.userClosed.Store(false)
	b.Reconnect(optInt(a, 1), optString(a, 2))
	return nil, nil
}

// release(id) forgets the Go socket of a JS socket that was garbage
// collected (wsbeat.js's FinalizationRegistry), closing it if need be.
func (e *engine) release(args []safejs.Value) (any, error) {
	b, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	if e.forget(b) {
		b.userClosed.Store(true)
		b.Close(0, "")
	}
	return nil, nil
}

// page(what) tells every socket what the page or the network did:
// "offline", "online", "resume" (visible, pageshow, resume) or "pause"
// (pagehide into the back/forward cache).
func (e *engine) page(args []safejs.Value) (any, error) {
	what := optString(args, 0)
	var act func(*bridged)
	switch what {
	case "offline":
		act = func(b *bridged) { b.SetOnline(false) }
	case "online":
		act = func(b *bridged) { b.SetOnline(true) }
	case "resume":
		act = func(b *bridged) { b.Resume() }
	case "pause":
		act = func(b *bridged) { b.Pause() }
	default:
		return nil, argError("wsbeat: page(what) takes \"offline\", \"online\", \"resume\" or \"pause\", got %q", what)
	}
	e.mu.Lock()
	all := make([]*bridged, 0, len(e.sockets))
	for _, b := range e.sockets {
		all = append(all, b)
	}
	e.mu.Unlock()
	for _, b := range all {
		act(b)
	}
	return nil, nil
}

// send(id, data, size, binary) sends or queues data, which Go never reads.
func (e *engine) send(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	if len(args) < 4 || args[2].Type() != safejs.TypeNumber {
		return nil, argError("wsbeat: send(id, data, size, binary) needs a size")
	}
	size, _ := args[2].Int()
	binary, _ := args[3].Truthy()
	r, err := s.Send(wsbeat.Message{Binary: binary, Data: args[1], Size: size})
	if err != nil {
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

// closeVerdict is the page's shouldReconnect answer for one close.
type closeVerdict struct {
	info wsbeat.CloseInfo
	ok   bool
}

// closed(id, gen, code, reason, wasClean, verdict) reports a WebSocket's
// close event. wsbeat.js has already detached the WebSocket, and asked the
// page's shouldReconnect, if any, about the close: verdict is its answer,
// or undefined when it did not ask.
func (e *engine) closed(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	c := s.tr.current(optInt(args, 1))
	if c == nil {
		return nil, nil
	}
	c.detached = true
	clean := false
	if len(args) > 4 {
		clean, _ = args[4].Truthy()
	}
	info := wsbeat.CloseInfo{Code: optInt(args, 2), Reason: optString(args, 3), WasClean: clean}
	if len(args) > 5 && args[5].Type() == safejs.TypeBoolean {
		ok, _ := args[5].Truthy()
		s.verdict = &closeVerdict{info: info, ok: ok}
		defer func() { s.verdict = nil }()
	}
	c.ev.Closed(info.Code, info.Reason, info.WasClean)
	return nil, nil
}

// pong(id) reports a heartbeat response that wsbeat.js took off the
// per-message path.
func (e *engine) pong(args []safejs.Value) (any, error) {
	s, err := e.socketOf(args)
	if err != nil {
		return nil, err
	}
	s.tr.received(wsbeat.Text(s.pong))
	return nil, nil
}

// get(id, name) returns one property of the socket that only Go knows.
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
	}
	return nil, argError("wsbeat: unknown property %q", name)
}

// stats() reports what the churn tests watch: live js.Funcs, goroutines,
// engine sockets, Go heap, and the calls across the boundary so far.
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
		"jsToGo":     float64(callsIn.Load()),
		"goToJS":     float64(callsOut.Load()),
	}, nil
}
