package wsbeat

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// Engine tests of Options.Reliable on the fake transport, in fake time: the
// frames on the wire, the order of events, acks, the heartbeat, and the
// interface a transport that frames data itself (the browser's) uses.

func reliableHarness(t *testing.T, o *Options) *harness {
	if o == nil {
		o = &Options{}
	}
	o.Reliable = true
	return newHarness(t, o)
}

// openReliable opens the latest attempt with the subprotocol selected.
func (h *harness) openReliable() *fakeConn {
	h.t.Helper()
	c := h.tr.last()
	c.openWith(Subprotocol, "")
	synctest.Wait()
	return c
}

// welcome opens the latest attempt and answers its hello with "W<id>:<n>".
func (h *harness) welcome(id string, received int64) *fakeConn {
	h.t.Helper()
	c := h.openReliable()
	c.recv(wire.Control(wire.Frame{Kind: wire.Welcome, Session: id, Seq: received}))
	synctest.Wait()
	return c
}

func TestReliableHandshakeAndReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, nil)
		c := h.openReliable()
		deepEq(t, "protocols offered", c.protocols, []string{Subprotocol})
		deepEq(t, "frames after the WebSocket opened", c.texts(), []string{"H"})
		h.wantState(StateConnecting)
		check(t, len(h.rec.of(EventOpen)) == 0, "open before the welcome")
		// Sent while the hello waits: held, numbered, replayed after the welcome.
		res, err := h.s.SendText("early")
		eq(t, "Send before the welcome", res, Queued)
		eq(t, "error", err, nil)

		c.recv("Wsess:0")
		synctest.Wait()
		h.wantState(StateOpen)
		eq(t, "Session", h.s.Session(), "sess")
		res, _ = h.s.SendText("a:b")
		eq(t, "Send when open", res, Sent)
		h.s.SendBinary([]byte{1, 2})
		w := c.wire()
		eq(t, "frames", len(w), 4)
		eq(t, "replayed", w[1].Data.(string), "1:early")
		eq(t, "text", w[2].Data.(string), "2:a:b")
		check(t, w[3].Binary && string(w[3].Data.([]byte)) == "3:\x01\x02", "binary frame %+v", w[3])
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 3)
		eq(t, "BufferedAmount", h.s.BufferedAmount(), len("early")+len("a:b")+2)

		// The server acknowledged 1; the connection drops; 2 and 3 are
		// replayed on the next one, after the server says it has 2.
		c.recv("A1")
		c.recv("1:from server")
		synctest.Wait()
		eq(t, "QueuedMessages after A1", h.s.QueuedMessages(), 2)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.s.SendText("while away")
		h.advance(time.Second)
		c2 := h.openReliable()
		deepEq(t, "resume hello", c2.texts(), []string{"Hsess:1"})
		c2.recv("Wsess:2")
		synctest.Wait()
		w = c2.wire()
		check(t, len(w) == 3 && w[1].Binary && string(w[1].Data.([]byte)) == "3:\x01\x02" && w[2].Data == "4:while away",
			"replay %+v", w)
		// Everything before the open event of the resumed connection: the
		// replay, then the state change, then open.
		evs := types(h.rec.all())
		check(t, evs[len(evs)-1] == "open", "events end %v", evs)
		eq(t, "sessionlost events", len(h.rec.of(EventSessionLost)), 0)
	})
}

func TestReliableAcks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, nil)
		c := h.welcome("s", 0)
		n := len(c.texts())
		c.recv("1:a")
		c.recv("1:a") // a duplicate
		synctest.Wait()
		eq(t, "messages delivered", len(h.rec.of(EventMessage)), 1)
		h.advance(wire.DefaultAckDelay - time.Millisecond)
		eq(t, "frames before the ack delay", len(c.texts()), n)
		h.advance(time.Millisecond)
		deepEq(t, "ack after the delay", c.texts()[n:], []string{"A1"})
		// 100 messages are acknowledged at once.
		for i := 2; i <= 101; i++ {
			c.recv(wire.DataHeader(int64(i)) + "x")
		}
		synctest.Wait()
		deepEq(t, "ack at 100", c.texts()[n:], []string{"A1", "A101"})
		// The ping carries the ack; the pong's ack releases messages.
		h.s.SendText("q")
		c.recv("102:y")
		synctest.Wait()
		h.s.Probe()
		synctest.Wait()
		texts := c.texts()
		eq(t, "ping", texts[len(texts)-1], "P102")
		c.recv("Q1")
		synctest.Wait()
		eq(t, "QueuedMessages after the pong's ack", h.s.QueuedMessages(), 0)
		eq(t, "heartbeat events", len(h.rec.of(EventHeartbeat)), 1)
		// The delayed ack of 102 was carried by the ping: nothing more.
		h.advance(time.Second)
		eq(t, "last frame", c.texts()[len(c.texts())-1], "P102")
		// A ping from the server is answered with a pong and our ack.
		c.recv("P1")
		synctest.Wait()
		eq(t, "pong", c.texts()[len(c.texts())-1], "Q102")
	})
}

func TestReliableHeartbeatTimeoutResumes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, &Options{HeartbeatInterval: time.Second, HeartbeatTimeout: time.Second})
		c := h.welcome("s", 0)
		c.recv("1:a")
		synctest.Wait()
		h.advance(time.Second)
		eq(t, "ping", c.texts()[len(c.texts())-1], "P1")
		h.advance(time.Second)
		abandoned, info, _ := c.isAbandoned()
		check(t, abandoned && info.Code == CodeHeartbeatTimeout, "conn abandoned %v %+v", abandoned, info)
		h.advance(time.Second)
		c2 := h.openReliable()
		deepEq(t, "resume", c2.texts(), []string{"Hs:1"})
	})
}

func TestReliableWelcomeTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, &Options{ConnectionTimeout: time.Second})
		c := h.openReliable()
		h.advance(time.Second)
		abandoned, _, _ := c.isAbandoned()
		check(t, abandoned, "a connection without a welcome was kept past ConnectionTimeout")
		errs := h.rec.of(EventError)
		check(t, len(errs) == 1 && ErrorCode(errs[0].Err) == "ERR_CONNECTION_TIMEOUT", "errors %v", errs)
		h.wantState(StateReconnecting)
	})
}

func TestReliableSessionLostOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, nil)
		c := h.welcome("old", 0)
		h.s.SendText("1")
		c.recv("1:from old")
		synctest.Wait()
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		h.s.SendText("2")
		h.advance(time.Second)
		i := len(h.rec.all())
		c2 := h.openReliable()
		deepEq(t, "resume hello", c2.texts(), []string{"Hold:1"})
		c2.recv("Wnew:0")
		synctest.Wait()
		evs := h.rec.since(i)
		deepEq(t, "events", types(evs), []string{"sessionlost", "statechange:open", "open"})
		eq(t, "lost session", evs[0].Session, "old")
		eq(t, "unconfirmed", len(evs[0].Unconfirmed), 2)
		eq(t, "Session", h.s.Session(), "new")
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 0)
		// The new session numbers from 1 and accepts the server's 1.
		h.s.SendText("3")
		c2.recv("1:from new")
		synctest.Wait()
		eq(t, "frame", c2.texts()[len(c2.texts())-1], "1:3")
		msgs := h.rec.of(EventMessage)
		eq(t, "last message", msgs[len(msgs)-1].Message.Data.(string), "from new")
	})
}

// framingTransport is the fake transport with Conns that frame data
// themselves and deliver it without Received, as the browser's does.
type framingTransport struct {
	*fakeTransport
	mu   sync.Mutex
	data []string // "<seq> <data>" of every SendData
}

func (t *framingTransport) Dial(url string, protocols []string, ev ConnEvents) (Conn, error) {
	c, err := t.fakeTransport.Dial(url, protocols, ev)
	if err != nil {
		return nil, err
	}
	return &framingConn{c.(*fakeConn), t}, nil
}

type framingConn struct {
	*fakeConn
	t *framingTransport
}

func (c *framingConn) SendData(seq int64, m Message) error {
	c.t.mu.Lock()
	defer c.t.mu.Unlock()
	c.t.data = append(c.t.data, wire.DataHeader(seq)+m.Data.(string))
	return nil
}

func (t *framingTransport) sentData() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.data)
}

func TestReliableTransportFramesData(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ft := &framingTransport{fakeTransport: &fakeTransport{}}
		h := reliableHarness(t, &Options{Transport: ft})
		c := ft.last()
		c.openWith(Subprotocol, "")
		synctest.Wait()
		// A data frame before the welcome is a protocol error.
		c.recv("Ws:0")
		synctest.Wait()
		h.wantState(StateOpen)
		h.s.SendText("x")
		h.s.SendText("y")
		deepEq(t, "SendData", ft.sentData(), []string{"1:x", "2:y"})
		deepEq(t, "Send (control frames only)", c.texts(), []string{"H"})
		var got []bool
		for _, seq := range []int64{1, 2, 2, 1, 3} {
			got = append(got, c.ev.ReceivedData(seq, 1))
		}
		deepEq(t, "deliver?", got, []bool{true, true, false, false, true})
		check(t, len(h.rec.of(EventMessage)) == 0, "the engine delivered what the transport delivers")
		h.advance(wire.DefaultAckDelay)
		eq(t, "ack", c.texts()[len(c.texts())-1], "A3")
		// A gap ends the connection.
		eq(t, "deliver after a gap", c.ev.ReceivedData(5, 1), false)
		synctest.Wait()
		abandoned, info, _ := c.isAbandoned()
		check(t, abandoned && info.Code == wire.CodeProtocolError, "after a gap: abandoned %v %+v", abandoned, info)
		errs := h.rec.of(EventError)
		check(t, len(errs) == 1 && ErrorCode(errs[0].Err) == "ERR_PROTOCOL" && strings.Contains(errs[0].Err.Error(), "5"), "errors %v", errs)
		// A stale conn's frames are not accepted.
		eq(t, "deliver on a dead conn", c.ev.ReceivedData(4, 1), false)
	})
}

func TestReliableCloseSendsBye(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := reliableHarness(t, nil)
		c := h.welcome("s", 0)
		c.recv("1:a")
		synctest.Wait()
		h.s.SendText("unacked")
		h.s.Close(CodeNormal, "bye")
		synctest.Wait()
		texts := c.texts()
		eq(t, "last frame", texts[len(texts)-1], "B1")
		drops := h.rec.of(EventDrop)
		check(t, len(drops) == 1 && len(drops[0].Dropped) == 1 && drops[0].DropReason == DropClosed, "drops %+v", drops)
		// What arrives while closing is not delivered.
		c.recv("2:late")
		synctest.Wait()
		eq(t, "messages", len(h.rec.of(EventMessage)), 1)
		eq(t, "Session after Close", h.s.Session(), "")
	})
}
