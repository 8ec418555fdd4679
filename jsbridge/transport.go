//go:build js && wasm

package jsbridge

import (
	"errors"
	"runtime"
	"time"

	"github.com/wsbeat/wsbeat/internal/safejs"
	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// transport is the browser's WebSocket as a wsbeat.Transport for one
// socket of the JS API. The JS socket object (wsbeat.js) owns the
// WebSocket's listeners: it creates each WebSocket and attaches to it in
// _dial, then sends on it and delivers its messages itself, reports its open,
// error and close events to the engine with plain values (opened, failed,
// closed), and forgets it on _detach. Go creates no js.Func and receives no
// event object per connection: at one reconnect per second that garbage
// was most of what the wasm heap grew by.
type transport struct {
	js  safejs.Value // the JS socket object
	cur *conn        // the latest WebSocket, whose events JS reports
	gen int          // generation of the latest WebSocket
}

// errWebSocket is the error of a WebSocket's error event, which says no
// more.
var errWebSocket = errors.New("WebSocket error")

// received reports a message that wsbeat.js took off the fast path (a
// heartbeat response) on the latest connection.
func (t *transport) received(m wsbeat.Message) {
	if c := t.cur; c != nil && !c.detached {
		c.ev.Received(m)
	}
}

// current returns the latest connection if it is of generation gen and
// still attached, or nil for an event that is stale: one from an earlier
// WebSocket, or from after the engine let go of this one.
func (t *transport) current(gen int) *conn {
	if c := t.cur; c != nil && !c.detached && c.gen == gen {
		return c
	}
	return nil
}

// dials counts WebSockets created on the page, for gcEvery.
var dials int

// gcEvery is how many WebSockets the page creates between forced garbage
// collections. On js/wasm Go's collector lets the heap grow to about 1.4
// MB of spans during a run of reconnects, whatever GOGC, and the wasm
// memory that growth takes is never given back. A reconnect leaves about 5
// KB of garbage and the live heap is about 35 KB, so collecting every 8th
// dial costs well under a millisecond each time and holds the heap at its
// start-up size.
const gcEvery = 8

// Dial has the JS socket create the page's WebSocket, with its own
// protocols (those the engine passes back), and attach to it under a new
// generation number. One call into JS per attempt: every distinct
// wasm_exec.js path a reconnect runs is code V8 keeps compiled on the
// page's heap. A constructor exception (a bad URL from a URL function) is
// a failed attempt.
func (t *transport) Dial(url string, _ []string, ev wsbeat.ConnEvents) (wsbeat.Conn, error) {
	t.gen++
	ws, err := t.js.Call("_dial", url, t.gen)
	if err != nil {
		return nil, msgfmt.Wrap(err, "WebSocket constructor: "+err.Error())
	}
	if dials++; dials%gcEvery == 0 {
		runtime.GC()
	}
	c := &conn{js: t.js, ws: ws, ev: ev, gen: t.gen}
	t.cur = c
	return c, nil
}

// conn is one browser WebSocket, attached to the JS socket until its close
// event or until the engine abandons it.
type conn struct {
	js       safejs.Value
	ws       safejs.Value
	ev       wsbeat.ConnEvents
	gen      int
	detached bool
}

// detach tells the JS socket to forget the WebSocket and remove its
// listeners, so nothing it does later reaches the page or the engine.
func (c *conn) detach() {
	if c.detached {
		return
	}
	c.detached = true
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

// LastReceived converts the timeStamp of the JS socket's last message
// event (_lastEv, null for none; performance.now() milliseconds) into a
// time.Time. The fast path stores the event rather than calling
// performance.now() for every message; this runs only when a heartbeat
// timer fires.
func (c *conn) LastReceived() time.Time {
	ev, err := c.js.Get("_lastEv")
	if err != nil || ev.Type() != safejs.TypeObject {
		return time.Time{}
	}
	last, err := floatProp(ev, "timeStamp")
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
