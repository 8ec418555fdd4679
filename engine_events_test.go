package wsbeat

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of states, readyState and event delivery.

func TestStateNamesAndReadyState(t *testing.T) {
	for _, tc := range []struct {
		s     State
		name  string
		ready int
	}{
		{StateConnecting, "connecting", Connecting},
		{StateOpen, "open", Open},
		{StateReconnecting, "reconnecting", Connecting},
		{StateClosing, "closing", Closing},
		{StateClosed, "closed", Closed},
		{State(42), "State(42)", Connecting},
	} {
		eq(t, "State.String", tc.s.String(), tc.name)
		eq(t, "ReadyState of "+tc.name, tc.s.ReadyState(), tc.ready)
	}
	eq(t, "readyState constants", [4]int{Connecting, Open, Closing, Closed}, [4]int{0, 1, 2, 3})
	names := []string{"open", "message", "close", "error", "reconnecting", "heartbeat", "drop", "statechange"}
	for i, n := range names {
		eq(t, "EventType.String", EventType(i+1).String(), n)
	}
	eq(t, "unknown EventType", EventType(0).String(), "EventType(0)")
	eq(t, "unknown EventType", EventType(99).String(), "EventType(99)")
}

// TestStatesThroughALife walks a Socket through every state and checks
// State, ReadyState, and that each statechange event carries the state the
// Socket is in while the event is delivered, and the one before it.
func TestStatesThroughALife(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{StartClosed: true, HeartbeatInterval: -1})
		want := func(st State, ready int) {
			t.Helper()
			synctest.Wait()
			h.wantState(st)
			eq(t, "ReadyState", h.s.ReadyState(), ready)
		}
		want(StateClosed, Closed)
		h.s.Reconnect(0, "")
		want(StateConnecting, Connecting)
		c := h.tr.last()
		c.open()
		want(StateOpen, Open)
		c.peerClose(CodeAbnormal, "", false) // immediate retry
		want(StateConnecting, Connecting)
		h.tr.last().peerClose(CodeAbnormal, "", false)
		want(StateReconnecting, Connecting)
		rec := h.rec.of(EventReconnecting)
		h.advance(rec[len(rec)-1].Delay)
		want(StateConnecting, Connecting)
		h.tr.last().open()
		want(StateOpen, Open)
		h.s.Close(CodeNormal, "")
		want(StateClosing, Closing)
		h.tr.last().peerClose(CodeNormal, "", true)
		want(StateClosed, Closed)

		var got []State
		prev := StateClosed
		for _, e := range h.rec.of(EventStateChange) {
			eq(t, "statechange Previous", e.Previous, prev)
			check(t, e.State != e.Previous, "statechange to the same state %v", e.State)
			eq(t, "State() while the statechange is delivered", e.state, e.State)
			got = append(got, e.State)
			prev = e.State
		}
		deepEq(t, "states", got, []State{
			StateConnecting, StateOpen, StateReconnecting, StateConnecting,
			StateReconnecting, StateConnecting, StateOpen, StateClosing, StateClosed,
		})
	})
}

// TestStateChangesFormAChain: even when one call makes two transitions
// (Reconnect while open; a Dial that fails at once), every statechange's
// Previous is the State of the one before, and the last is the Socket's
// state.
func TestStateChangesFormAChain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		h.openNext()
		h.s.Reconnect(0, "")
		synctest.Wait()
		h.tr.setDialErr(errBoom)
		h.tr.last().peerClose(CodeAbnormal, "", false) // retries at once; Dial fails
		synctest.Wait()
		h.tr.setDialErr(nil)
		h.advance(time.Minute)
		prev := StateConnecting
		var last State
		for _, e := range h.rec.of(EventStateChange) {
			eq(t, "statechange Previous", e.Previous, prev)
			prev, last = e.State, e.State
		}
		eq(t, "State after the last statechange", h.s.State(), last)
	})
}

var errBoom = &boomError{}

type boomError struct{}

func (*boomError) Error() string { return "boom" }

// TestHandlersCallingBackKeepTheOrder: handlers that call Send, Close or
// Reconnect add events, which are delivered after the current one, never
// inside it, and in the order they happened.
func TestHandlersCallingBackKeepTheOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		var log []string
		h = newHarness(t, &Options{HeartbeatInterval: -1, MaxEnqueuedMessages: 1, OnEvent: func(e Event) {
			s := h.rec.sock.Load()
			log = append(log, types([]recorded{{Event: e}})[0])
			switch {
			case e.Type == EventStateChange && e.State == StateOpen:
				s.SendText("hello")
			case e.Type == EventMessage:
				if text, _ := e.Message.Text(); text == "bye" {
					s.SendText("ack") // sent: still open inside the handler
					s.Close(4001, "handler")
					_, err := s.SendText("after")
					errIs(t, err, ErrClosed)
					log = append(log, "close returned")
				}
			}
		}})
		h.s.SendText("q1")
		h.s.SendText("q2") // drops q1: a drop event
		c := h.openNext()
		c.recv("bye")
		c.recv("still closing")
		synctest.Wait()
		c.peerClose(4001, "handler", true)
		synctest.Wait()
		deepEq(t, "delivery order", log, []string{
			"drop", "statechange:open", "open", "message", "close returned",
			"statechange:closing", "message", "statechange:closed", "close",
		})
		deepEq(t, "wire", c.texts(), []string{"hello", "q2", "ack"})
		deepEq(t, "conn.Close calls", c.closes(), []CloseInfo{{Code: 4001, Reason: "handler"}})
	})
}

func TestHandlerReconnectInsideClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		reconnected := false
		h = newHarness(t, &Options{HeartbeatInterval: -1, OnEvent: func(e Event) {
			if e.Type == EventClose && !e.WillReconnect && !reconnected {
				reconnected = true
				h.rec.sock.Load().Reconnect(0, "")
			}
		}})
		h.openNext().peerClose(1008, "policy", true) // terminal
		synctest.Wait()
		eq(t, "attempts", h.tr.count(), 2)
		h.wantState(StateConnecting)
		got := types(h.rec.all())
		deepEq(t, "events", got, []string{
			"statechange:open", "open", "statechange:closed", "close", "statechange:connecting",
		})
	})
}

func TestPanickingHandlerDoesNotWedgeDelivery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1, OnEvent: func(e Event) {
			if e.Type == EventStateChange || e.Type == EventMessage {
				panic("handler bug")
			}
		}})
		c := h.openNext()
		c.recv("one")
		c.recv("two")
		synctest.Wait()
		res, err := h.s.SendText("still works")
		eq(t, "Send after a panicking handler", res, Sent)
		eq(t, "error", err, nil)
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		deepEq(t, "events", types(h.rec.all()), []string{
			"statechange:open", "open", "message", "message",
			"statechange:reconnecting", "close", "reconnecting", "statechange:connecting",
		})
		check(t, strings.Contains(h.logs.text(), "event handler panicked: handler bug"), "panic not logged: %q", h.logs.text())
	})
}

// TestConcurrentCallersNeverNestEvents: many goroutines calling in at once
// (under -race) never make two deliveries overlap, and every message is
// delivered exactly once.
func TestConcurrentCallersNeverNestEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1, MaxEnqueuedMessages: 10000})
		c := h.openNext()
		done := make(chan struct{})
		for g := range 8 {
			go func() {
				defer func() { done <- struct{}{} }()
				for i := range 50 {
					switch (g + i) % 4 {
					case 0:
						c.recv("m")
					case 1:
						h.s.SendText("s")
					case 2:
						h.s.Probe()
					default:
						_ = h.s.QueuedMessages() + h.s.BufferedAmount() + h.s.RetryCount()
					}
				}
			}()
		}
		for range 8 {
			<-done
		}
		synctest.Wait()
		check(t, !h.rec.nested.Load(), "deliveries overlapped")
		eq(t, "message events", len(h.rec.of(EventMessage)), 8*50/4)
	})
}

func TestProtocolAndExtensions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{Protocols: []string{"v2.chat", "v1.chat"}, HeartbeatInterval: -1})
		c := h.tr.last()
		deepEq(t, "protocols offered", c.protocols, []string{"v2.chat", "v1.chat"})
		eq(t, "URL", c.url, testURL)
		eq(t, "URL()", h.s.URL(), testURL)
		c.openWith("v2.chat", "permessage-deflate")
		synctest.Wait()
		eq(t, "Protocol", h.s.Protocol(), "v2.chat")
		eq(t, "Extensions", h.s.Extensions(), "permessage-deflate")
		c.peerClose(CodeAbnormal, "", false)
		synctest.Wait()
		eq(t, "Protocol after the close", h.s.Protocol(), "")
		eq(t, "Extensions after the close", h.s.Extensions(), "")
		deepEq(t, "protocols offered again", h.tr.last().protocols, []string{"v2.chat", "v1.chat"})
	})
}

// TestCloseInsideTheOpenHandler: an open handler that closes at once keeps
// the queue from going out; it is dropped and reported instead.
func TestCloseInsideTheOpenHandler(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var h *harness
		h = newHarness(t, &Options{HeartbeatInterval: -1, OnEvent: func(e Event) {
			if e.Type == EventOpen {
				h.rec.sock.Load().Close(CodeNormal, "changed my mind")
			}
		}})
		h.s.SendText("queued")
		c := h.openNext()
		eq(t, "wire", len(c.wire()), 0)
		drops := h.rec.of(EventDrop)
		eq(t, "drop events", len(drops), 1)
		eq(t, "drop reason", drops[0].DropReason, DropClosed)
		h.wantState(StateClosing)
	})
}
