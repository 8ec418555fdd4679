//go:build js && wasm

package jsbridge

import (
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// emit hands an engine event to the JS port: port.event(kind, ...fields),
// one call per event, with the fields of each kind in the order of
// EVENT_FIELDS in js/src/events.js:
//
//	statechange  state, previous
//	open         retryCount
//	close        code, reason, wasClean, willReconnect, released
//	error        message, code
//	reconnecting attempt, delay (ms)
//	heartbeat    rtt (ms)
//	drop         messages, reason
//
// There is no message kind: messages reach the page in JS, and the only
// ones Go sees, heartbeat responses, it never delivers (the bridge leaves
// Options.DeliverHeartbeats false; wsbeat.js delivers them itself when
// heartbeatResponse is null).
func emit(port safejs.Value, ev wsbeat.Event, released bool) {
	var args []any
	switch ev.Type {
	case wsbeat.EventStateChange:
		args = []any{"statechange", ev.State.String(), ev.Previous.String()}
	case wsbeat.EventOpen:
		args = []any{"open", ev.RetryCount}
	case wsbeat.EventClose:
		args = []any{"close", ev.Close.Code, ev.Close.Reason, ev.Close.WasClean, ev.WillReconnect, released}
	case wsbeat.EventError:
		msg := ""
		if ev.Err != nil {
			msg = ev.Err.Error()
		}
		args = []any{"error", msg, kindOf(ev.Err).code}
	case wsbeat.EventReconnecting:
		args = []any{"reconnecting", ev.Attempt, ms(ev.Delay)}
	case wsbeat.EventHeartbeat:
		args = []any{"heartbeat", ms(ev.RTT)}
	case wsbeat.EventDrop:
		data := make([]any, len(ev.Dropped))
		for i, m := range ev.Dropped {
			data[i] = messageValue(m)
		}
		args = []any{"drop", data, ev.DropReason}
	default:
		return
	}
	callJS(port, "event", args...)
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
