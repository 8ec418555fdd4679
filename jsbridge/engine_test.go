//go:build js && wasm

package jsbridge

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// TestStart: without the loader's __wsbeatBoot Start says what is missing;
// with it, it hands over an engine object with every function wsbeat.js
// calls and the version.
func TestStart(t *testing.T) {
	safejs.Global().Delete("__wsbeatBoot")
	err := Start()
	assert(t, err != nil && contains(err.Error(), "__wsbeatBoot"), "Start without the loader: %v", err)

	jsEval(t, `globalThis.__wsbeatBoot = {resolve(e) { globalThis.__engine = e; }, reject() {}}`)
	defer safejs.Global().Delete("__wsbeatBoot")
	defer safejs.Global().Delete("__engine")
	if err := Start(); err != nil {
		t.Fatal(err)
	}
	eng, _ := safejs.Global().Get("__engine")
	names := jsJSON(t, jsEval(t, `Object.keys(globalThis.__engine).filter(k => typeof globalThis.__engine[k] === 'function').sort()`))
	want := `["close","closed","create","failed","get","opened","page","pong","reconnect","release","send","stats"]`
	assert(t, names == want, "functions: got %s, want %s", names, want)
	v, _ := eng.Get("version")
	s, _ := v.String()
	assert(t, s == Version, "version %q", s)
	stats, err := eng.Call("stats")
	assert(t, err == nil && stats.Type() == safejs.TypeObject, "stats(): %v %v", stats, err)
	codes := jsJSON(t, jsEval(t, `globalThis.__engine.errorCodes`))
	assert(t, contains(codes, `"ERR_INVALID_URL"`, `"ERR_CLOSED"`, `"ERR_QUEUE_FULL"`, `"ERR_HEARTBEAT_TIMEOUT"`), "errorCodes: %s", codes)
}

// TestSocketOf: a socket id must be a number of a live socket.
func TestSocketOf(t *testing.T) {
	e := &engine{sockets: map[int]*bridged{}}
	for _, tc := range []struct {
		args []safejs.Value
		want error
	}{
		{nil, errInvalidArgument},
		{[]safejs.Value{jsEval(t, "'1'")}, errInvalidArgument},
		{[]safejs.Value{jsEval(t, "({})")}, errInvalidArgument},
		{[]safejs.Value{jsEval(t, "1")}, wsbeat.ErrClosed},
		{[]safejs.Value{jsEval(t, "1e300")}, wsbeat.ErrClosed},
		{[]safejs.Value{jsEval(t, "NaN")}, wsbeat.ErrClosed},
	} {
		_, err := e.socketOf(tc.args)
		assert(t, errors.Is(err, tc.want), "%v: got %v, want %v", tc.args, err, tc.want)
	}
}

// TestCloseArgs: WebSocket.close takes 1000 and 3000–4999 only, so the
// engine's own codes (1001, 1006, 4000 is allowed) close without one.
func TestCloseArgs(t *testing.T) {
	for _, tc := range []struct {
		code int
		want bool
	}{{1000, true}, {3000, true}, {4000, true}, {4999, true}, {0, false}, {1001, false}, {1005, false}, {1006, false}, {2999, false}, {5000, false}} {
		args := closeArgs(tc.code, "r")
		assert(t, (args != nil) == tc.want, "closeArgs(%d): %v", tc.code, args)
		if args != nil {
			assert(t, args[0] == tc.code && args[1] == "r", "closeArgs(%d): %v", tc.code, args)
		}
	}
}

// TestStringArray: protocols are undefined, null or an Array of strings.
func TestStringArray(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string
		ok   bool
	}{
		{"undefined", nil, true},
		{"null", nil, true},
		{"[]", []string{}, true},
		{"['chat', 'v2']", []string{"chat", "v2"}, true},
		{"[1]", nil, false},
		{"'chat'", nil, false},
		{"({length: 1e9})", nil, false},
	} {
		got, err := stringArray(jsEval(t, tc.expr))
		assert(t, (err == nil) == tc.ok && slices.Equal(got, tc.want), "%s: got %q, %v", tc.expr, got, err)
	}
}

// TestEmit: each engine event reaches the port as event(kind, ...fields)
// with the fields of EVENT_FIELDS in js/src/events.js; a message event
// never crosses (Go never delivers one in the browser).
func TestEmit(t *testing.T) {
	sock := jsEval(t, `{calls: [], event(...args) { this.calls.push(args); }}`)
	bin := jsEval(t, "new Uint8Array([1, 2])")
	for _, ev := range []wsbeat.Event{
		{Type: wsbeat.EventOpen, RetryCount: 2},
		{Type: wsbeat.EventMessage, Message: wsbeat.Text("hi")},
		{Type: wsbeat.EventClose, Close: wsbeat.CloseInfo{Code: 4000, Reason: "heartbeat timeout"}, WillReconnect: true},
		{Type: wsbeat.EventError, Err: errors.New("boom")},
		{Type: wsbeat.EventError, Err: wsbeat.ErrHeartbeatTimeout},
		{Type: wsbeat.EventError},
		{Type: wsbeat.EventReconnecting, Attempt: 3, Delay: 1500 * time.Millisecond},
		{Type: wsbeat.EventHeartbeat, RTT: 12500 * time.Microsecond},
		{Type: wsbeat.EventDrop, Dropped: []wsbeat.Message{wsbeat.Text("a"), {Binary: true, Data: bin, Size: 2}}, DropReason: wsbeat.DropClosed},
		{Type: wsbeat.EventStateChange, State: wsbeat.StateOpen, Previous: wsbeat.StateConnecting},
	} {
		emit(sock, ev, ev.Type == wsbeat.EventClose)
	}
	calls, _ := sock.Get("calls")
	got := jsJSON(t, calls)
	want := `[["open",2],["close",4000,"heartbeat timeout",false,true,true],["error","boom","ERR_INTERNAL"],` +
		`["error","wsbeat: heartbeat timeout","ERR_HEARTBEAT_TIMEOUT"],["error","","ERR_INTERNAL"],` +
		`["reconnecting",3,1500],["heartbeat",12.5],["drop",["a",{"0":1,"1":2}],"closed"],["statechange","open","connecting"]]`
	assert(t, got == want, "event calls:\n got %s\nwant %s", got, want)
	same := jsEval(t, "(calls, bin) => calls[7][1][1] === bin")
	r, _ := same.Invoke(calls, bin)
	ok, _ := r.Truthy()
	assert(t, ok, "a dropped message is the very data that was sent, not a copy")
}

// TestSocketLifecycle runs one engine socket against a port with no
// WebSocket server and maxRetries 0: the port sees the attempt fail and
// close for good, and the attempt made no js.Func. The Go socket stays
// (the page may reconnect() a socket that gave up) until close(), which
// releases it at once, since no close event follows. The fake port
// forwards the WebSocket's events as port.js does, through the engine's
// opened, failed and closed.
func TestSocketLifecycle(t *testing.T) {
	e := &engine{sockets: map[int]*bridged{}}
	obj, err := e.object()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, f := range e.funcs {
			f.Release()
		}
	}()
	before := liveFuncs.Load()
	sock := jsEval(t, `{events: [], attached: 0, detached: 0, engine: null, id: 0,
		event(type, a, b, c, d) { this.events.push(type === 'close' ? [type, a, d] : [type]); },
		dial(url, gen) { const ws = new WebSocket(url, []); this.attach(ws, gen); return ws; },
		attach(ws, gen) {
			this.attached++;
			var self = this;
			ws.onopen = function () { self.engine.opened(self.id, gen, ws.protocol, ws.extensions); };
			ws.onerror = function () { self.engine.failed(self.id, gen); };
			ws.onclose = function (e) { self.detach(ws); self.engine.closed(self.id, gen, e.code, e.reason, e.wasClean); };
		},
		detach(ws) { this.detached++; ws.onopen = ws.onerror = ws.onclose = null; }}`)
	sock.Set("engine", obj)
	opts := jsEval(t, "Object.assign("+defaultsJS+", {maxRetries: 0, connectionTimeout: 1000})")
	r := guard(e.create, []safejs.Value{sock, jsEval(t, "'ws://127.0.0.1:61999/'"), jsEval(t, "[]"), opts, jsEval(t, "[['reconnect', 0]]")})
	id, ok := r.(int)
	assert(t, ok && id > 0, "create returned %v", r)
	sock.Set("id", id)

	deadline := time.Now().Add(10 * time.Second)
	var got string
	for {
		events, _ := sock.Get("events")
		got = jsJSON(t, events)
		if contains(got, `"close"`) || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // lets the browser run
	}
	e.mu.Lock()
	assert(t, len(e.sockets) == 1, "a socket that gave up must stay until close(): %d sockets", len(e.sockets))
	e.mu.Unlock()
	closed := guard(e.withSocket(e.close), []safejs.Value{jsEval(t, fmt.Sprint(id))})
	assert(t, closed == true, "close() of a closed socket: %v, want true (released)", closed)
	var types []string
	for _, s := range []string{`"statechange"`, `"error"`, `"close"`} {
		if contains(got, s) {
			types = append(types, s)
		}
	}
	sort.Strings(types)
	assert(t, len(types) == 3 && contains(got, `["close",1006,false]`), "events: %s", got)
	e.mu.Lock()
	assert(t, len(e.sockets) == 0, "the engine still holds %d sockets", len(e.sockets))
	e.mu.Unlock()
	att, _ := sock.Get("attached")
	det, _ := sock.Get("detached")
	a, _ := att.Int()
	d, _ := det.Int()
	assert(t, a == 1 && d == 1, "attached %d, detached %d", a, d)
	assert(t, liveFuncs.Load() == before, "live js.Funcs %d, want %d", liveFuncs.Load(), before)
}

// TestStaleConnEvents: an event of an earlier WebSocket generation, or one
// that arrives after the engine let go of the WebSocket, reaches nothing.
func TestStaleConnEvents(t *testing.T) {
	tr := &transport{}
	assert(t, tr.current(0) == nil, "an event with no WebSocket found a connection")
	old := &conn{gen: 1}
	cur := &conn{gen: 2}
	tr.cur, tr.gen = cur, 2
	assert(t, tr.current(old.gen) == nil, "an event of generation 1 reached generation 2")
	assert(t, tr.current(2) == cur, "an event of the current generation was dropped")
	cur.detached = true
	assert(t, tr.current(2) == nil, "an event after detach reached the connection")
}

// TestPingFromPage: with a heartbeatMessage function the engine's ping is
// pingFromPage, which the conn never sends: it hands the WebSocket to
// port.ping, which runs the page's function outside the engine's lock.
func TestPingFromPage(t *testing.T) {
	port := jsEval(t, `{calls: [], ping(ws) { this.calls.push(['ping', ws.name]); }}`)
	ws := jsEval(t, `{name: 'ws', readyState: 1, sent: [], send(d) { this.sent.push(d); }}`)
	c := &conn{js: port, ws: ws}
	assert(t, c.Send(wsbeat.Text(pingFromPage)) == nil, "Send(pingFromPage) failed")
	assert(t, c.Send(wsbeat.Text("ping")) == nil, "Send(ping) failed")
	calls, _ := port.Get("calls")
	sent, _ := ws.Get("sent")
	got := jsJSON(t, calls) + " " + jsJSON(t, sent)
	assert(t, got == `[["ping","ws"]] ["ping"]`, "port calls and sends: %s", got)
	ws.Set("readyState", 3)
	assert(t, c.Send(wsbeat.Text("late")) != nil, "a send on a closed WebSocket must fail, so the engine keeps the message")
}
