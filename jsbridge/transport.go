//go:build js && wasm

package jsbridge

import (
	"errors"
	"runtime"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// transport is the browser's WebSocket as a wsbeat.Transport for one
// socket of the JS API. The socket's port (js/src/port.js) owns the
// WebSocket's listeners: it creates each WebSocket and attaches to it in
// dial, then the socket sends on it and delivers its messages itself,
// reports its open, error and close events to the engine with plain values
// (opened, failed, closed), and forgets it on detach. Go creates no js.Func
// and receives no event object per connection: at one reconnect per second
// that garbage was most of what the wasm heap grew by.
type transport struct {
	js  safejs.Value // the socket's port
	cur *conn        // the latest WebSocket, whose events JS reports
	gen int          // generation of the latest WebSocket
	// hold defers making WebSockets while create replays the calls that
	// waited for the Go socket: a socket closed before the engine ran
	// must not connect. dialHeld makes the one still wanted.
	hold bool
}

// received reports a message that wsbeat.js took off the per-message path
// (a heartbeat response) on the latest connection.
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
	c := &conn{js: t.js, ev: ev, gen: t.gen}
	if t.hold {
		c.url = url
		t.cur = c
		return c, nil
	}
	ws, err := t.dial(url)
	if err != nil {
		return nil, err
	}
	c.ws = ws
	t.cur = c
	return c, nil
}

func (t *transport) dial(url string) (safejs.Value, error) {
	ws, err := callJS(t.js, "dial", url, t.gen)
	if err != nil {
		return ws, msgfmt.Wrap(errWebSocket, "WebSocket constructor: "+err.Error())
	}
	if dials++; dials%gcEvery == 0 {
		runtime.GC()
	}
	return ws, nil
}

// dialHeld makes the WebSocket of the attempt that Dial deferred while
// hold was set, if the engine still wants it. A constructor exception
// fails the attempt.
func (t *transport) dialHeld() {
	c := t.cur
	if c == nil || c.url == "" || c.detached || c.ws.Type() != safejs.TypeUndefined || c.gen != t.gen {
		return
	}
	ws, err := t.dial(c.url)
	if err != nil {
		c.detached = true
		c.ev.Failed(err)
		c.ev.Closed(wsbeat.CodeAbnormal, "", false)
		return
	}
	c.ws = ws
}

// pingFromPage is the heartbeat message when the page gives a function:
// conn.Send then has the port call the function, outside the engine's
// lock, and send what it returns. No text of the page's can equal it: it
// holds NUL characters and a prefix of its own.
const pingFromPage = "\x00wsbeat: heartbeatMessage function\x00"

// conn is one browser WebSocket, attached to the JS socket until its close
// event or until the engine abandons it.
type conn struct {
	js       safejs.Value // the socket's port
	ws       safejs.Value // undefined while its making is held
	url      string       // set while its making is held
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
	if c.ws.Type() != safejs.TypeUndefined {
		callJS(c.js, "detach", c.ws)
	}
}

// Send sends a message the engine holds (a queued one, a ping). A
// WebSocket that is no longer open fails the send, so the engine keeps the
// message: between the browser's close event and the engine hearing of it,
// wsbeat.js asks the page's shouldReconnect, which may send.
func (c *conn) Send(m wsbeat.Message) error {
	if c.ws.Type() == safejs.TypeUndefined {
		return errors.New("jsbridge: the WebSocket is not made yet")
	}
	if st, err := intProp(c.ws, "readyState"); err != nil || st != 1 {
		return errors.New("jsbridge: the WebSocket is not open")
	}
	callsOut.Add(1)
	var err error
	switch d := m.Data.(type) {
	case safejs.Value:
		_, err = c.ws.Call("send", d)
	case string:
		if d == pingFromPage {
			_, err = c.js.Call("ping", c.ws)
			break
		}
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
	if c.ws.Type() == safejs.TypeUndefined {
		return
	}
	if _, err := callJS(c.ws, "close", closeArgs(code, reason)...); err != nil {
		c.ws.Call("close")
	}
}

func (c *conn) Abandon(code int, reason string) {
	c.detach()
	c.Close(code, reason)
}

// LastReceived converts the timeStamp of the socket's last message
// event (the port's lastEv, null for none; performance.now() milliseconds) into a
// time.Time. The fast path stores the event rather than calling
// performance.now() for every message; this runs only when a heartbeat
// timer fires.
func (c *conn) LastReceived() time.Time {
	callsOut.Add(1)
	ev, err := c.js.Get("lastEv")
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
	if c.ws.Type() == safejs.TypeUndefined {
		return 0
	}
	callsOut.Add(1)
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
