//go:build js && wasm

package jsbridge

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat"
)

// defaultsJS is the options object wsbeat.js hands to the engine: the
// defaults of docs/api.md, every option present.
const defaultsJS = `{minReconnectionDelay: 500, maxReconnectionDelay: 10000, reconnectionDelayGrowFactor: 1.5,
	minUptime: 5000, connectionTimeout: 4000, maxRetries: Infinity, maxEnqueuedMessages: 1000,
	maxEnqueuedBytes: 1048576, overflow: 'drop-oldest', heartbeatInterval: 25000, heartbeatTimeout: 10000,
	heartbeatMessage: 'ping', heartbeatResponse: 'pong', shouldReconnect: undefined, startClosed: false,
	binaryType: 'blob', debug: false}`

// withOption returns the defaults with one option replaced by a JS
// expression.
func withOption(name, expr string) string {
	return "Object.assign(" + defaultsJS + ", {" + name + ": " + expr + "})"
}

// TestOptionsDefaults: the defaults convert to the engine's defaults, with
// Infinity as "no limit".
func TestOptionsDefaults(t *testing.T) {
	o, err := jsOptions(jsEval(t, defaultsJS), jsEval(t, "({})"))
	if err != nil {
		t.Fatal(err)
	}
	assert(t, o.MinReconnectionDelay == 500*time.Millisecond && o.MaxReconnectionDelay == 10*time.Second, "delays %v %v", o.MinReconnectionDelay, o.MaxReconnectionDelay)
	assert(t, o.ReconnectionDelayGrowFactor == 1.5, "grow %v", o.ReconnectionDelayGrowFactor)
	assert(t, o.MinUptime == 5*time.Second && o.ConnectionTimeout == 4*time.Second, "uptime %v timeout %v", o.MinUptime, o.ConnectionTimeout)
	assert(t, o.MaxRetries == 0, "maxRetries Infinity must be 0 (no limit), got %d", o.MaxRetries)
	assert(t, o.MaxEnqueuedMessages == 1000 && o.MaxEnqueuedBytes == 1<<20, "queue %d %d", o.MaxEnqueuedMessages, o.MaxEnqueuedBytes)
	assert(t, o.Overflow == wsbeat.DropOldest, "overflow %v", o.Overflow)
	assert(t, o.HeartbeatInterval == 25*time.Second && o.HeartbeatTimeout == 10*time.Second, "heartbeat %v %v", o.HeartbeatInterval, o.HeartbeatTimeout)
	assert(t, o.HeartbeatMessage == "ping" && o.HeartbeatResponse == "pong" && !o.DeliverHeartbeats, "heartbeat strings %q %q %v", o.HeartbeatMessage, o.HeartbeatResponse, o.DeliverHeartbeats)
	assert(t, o.HeartbeatMessageFunc == nil && o.ShouldReconnect == nil && o.Logf == nil, "no functions by default")
}

// TestOptionsConversion: values whose meaning differs between the JS API
// and the engine (0 means "off" or "never" in JS, negative in Go).
func TestOptionsConversion(t *testing.T) {
	for _, tc := range []struct {
		name, expr string
		check      func(wsbeat.Options) bool
	}{
		{"maxRetries", "0", func(o wsbeat.Options) bool { return o.MaxRetries < 0 }},
		{"maxRetries", "3", func(o wsbeat.Options) bool { return o.MaxRetries == 3 }},
		{"heartbeatInterval", "0", func(o wsbeat.Options) bool { return o.HeartbeatInterval < 0 }},
		{"heartbeatInterval", "150.5", func(o wsbeat.Options) bool { return o.HeartbeatInterval == 150500*time.Microsecond }},
		{"maxEnqueuedMessages", "0", func(o wsbeat.Options) bool { return o.MaxEnqueuedMessages < 0 }},
		{"maxEnqueuedBytes", "Infinity", func(o wsbeat.Options) bool { return o.MaxEnqueuedBytes == math.MaxInt32 }},
		{"minReconnectionDelay", "0", func(o wsbeat.Options) bool {
			return o.MinReconnectionDelay > 0 && o.MinReconnectionDelay < time.Millisecond
		}},
		{"overflow", "'drop-newest'", func(o wsbeat.Options) bool { return o.Overflow == wsbeat.DropNewest }},
		{"overflow", "'throw'", func(o wsbeat.Options) bool { return o.Overflow == wsbeat.OverflowError }},
		{"heartbeatResponse", "'HB'", func(o wsbeat.Options) bool { return o.HeartbeatResponse == "HB" && !o.DeliverHeartbeats }},
		// wsbeat.js delivers pongs itself; the engine must not deliver
		// them again.
		{"heartbeatResponse", "null", func(o wsbeat.Options) bool { return o.HeartbeatResponse == "" && !o.DeliverHeartbeats }},
		{"heartbeatMessage", "'hb'", func(o wsbeat.Options) bool { return o.HeartbeatMessage == "hb" && o.HeartbeatMessageFunc == nil }},
	} {
		o, err := jsOptions(jsEval(t, withOption(tc.name, tc.expr)), jsEval(t, "({})"))
		assert(t, err == nil && tc.check(o), "%s: %s: got %+v, %v", tc.name, tc.expr, o, err)
	}
}

// TestOptionsCallbacks: function options call back into the JS socket,
// which calls the page's function; what it gives back is checked.
func TestOptionsCallbacks(t *testing.T) {
	sock := jsEval(t, `{calls: [],
		shouldReconnect(code, reason, clean) { this.calls.push([code, reason, clean]); return code !== 4001; },
		log(line) { this.calls.push(line); }}`)
	opts := "Object.assign(" + defaultsJS + ", {heartbeatMessage: () => 'x', shouldReconnect: () => true, debug: true})"
	o, err := jsOptions(jsEval(t, opts), sock)
	if err != nil {
		t.Fatal(err)
	}
	// A ping function runs in JS outside the engine's lock: the engine
	// sends pingFromPage, and conn.Send hands the WebSocket to port.ping.
	assert(t, o.HeartbeatMessage == pingFromPage && o.HeartbeatMessageFunc == nil, "heartbeatMessage function: %q", o.HeartbeatMessage)
	assert(t, !o.ShouldReconnect(wsbeat.CloseInfo{Code: 4001, Reason: "no", WasClean: true}), "shouldReconnect false")
	assert(t, o.ShouldReconnect(wsbeat.CloseInfo{Code: 1006}), "shouldReconnect true")
	o.Logf("line %d", 1)
	calls, _ := sock.Get("calls")
	got := jsJSON(t, calls)
	want := `[[4001,"no",true],[1006,"",false],"line 1"]`
	assert(t, got == want, "calls to the socket: got %s, want %s", got, want)

	o, err = jsOptions(jsEval(t, withOption("debug", "false")), sock)
	assert(t, err == nil && o.Logf == nil, "debug false: no Logf")
}

// TestOptionsErrors: every bad value is a TypeError naming the option,
// including those only the engine checks (wsbeat.js checks first, but the
// engine must not trust its caller).
func TestOptionsErrors(t *testing.T) {
	for _, tc := range []struct{ name, expr string }{
		{"minReconnectionDelay", "-1"},
		{"minReconnectionDelay", "'500'"},
		{"minReconnectionDelay", "2147483648"},
		{"minReconnectionDelay", "undefined"},
		{"maxReconnectionDelay", "NaN"},
		{"reconnectionDelayGrowFactor", "0.9"},
		{"minUptime", "null"},
		{"connectionTimeout", "0"},
		{"connectionTimeout", "Infinity"},
		{"maxRetries", "-1"},
		{"maxRetries", "1.5"},
		{"maxEnqueuedMessages", "2.5"},
		{"maxEnqueuedBytes", "'1MB'"},
		{"heartbeatInterval", "-5"},
		{"heartbeatTimeout", "0"},
		{"overflow", "'grow'"},
		{"overflow", "5"},
		{"heartbeatMessage", "''"},
		{"heartbeatMessage", "42"},
		{"heartbeatResponse", "''"},
		{"heartbeatResponse", "7"},
		{"shouldReconnect", "true"},
	} {
		_, err := jsOptions(jsEval(t, withOption(tc.name, tc.expr)), jsEval(t, "({})"))
		assert(t, errors.Is(err, wsbeat.ErrInvalidOption) && kindOf(err).ctor == "TypeError" && contains(err.Error(), tc.name), "%s = %s: got %v, want a TypeError naming it", tc.name, tc.expr, err)
	}
	// A maximum below the minimum is accepted, as reconnecting-websocket
	// does: the engine caps every delay at it.
	o, err := jsOptions(jsEval(t, "Object.assign("+defaultsJS+", {minReconnectionDelay: 2000, maxReconnectionDelay: 1000})"), jsEval(t, "({})"))
	assert(t, err == nil && o.MaxReconnectionDelay == time.Second && o.MinReconnectionDelay == 2*time.Second, "max below min: %v %v", o, err)
	for _, expr := range []string{"null", "'options'", "5"} {
		_, err := jsOptions(jsEval(t, expr), jsEval(t, "({})"))
		assert(t, kindOf(err).ctor == "TypeError", "options %s: got %v, want a TypeError", expr, err)
	}
}
