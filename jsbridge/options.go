//go:build js && wasm

package jsbridge

import (
	"math"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/internal/msgfmt"
	"github.com/wsbeat/wsbeat/internal/safejs"
)

// jsOptions reads the options object that wsbeat.js has already checked
// and filled with defaults, and turns it into engine options. It checks
// every field again, so a caller that bypasses wsbeat.js gets a TypeError
// naming the option rather than a panic or a silent default. The page's
// functions are called through the socket's port (ping, shouldReconnect,
// log).
func jsOptions(o safejs.Value, port safejs.Value) (wsbeat.Options, error) {
	var opts wsbeat.Options
	if o.Type() != safejs.TypeObject {
		return opts, optionError("wsbeat: options must be an object, got %s", o.Type())
	}
	ms := func(name string, dst *time.Duration, zeroMeans time.Duration) error {
		f, err := number(o, name, 0, math.MaxInt32)
		if err != nil {
			return err
		}
		if f == 0 {
			*dst = zeroMeans
			return nil
		}
		*dst = time.Duration(f * float64(time.Millisecond))
		return nil
	}
	// positive is ms for a timeout, where 0 would mean "at once".
	positive := func(name string, dst *time.Duration) error {
		if err := ms(name, dst, 0); err != nil {
			return err
		}
		if *dst <= 0 {
			return optionError("wsbeat: option %s is 0; it must be a positive number of milliseconds", name)
		}
		return nil
	}
	count := func(name string, dst *int, zeroMeans int) error {
		f, err := number(o, name, 0, math.Inf(1))
		if err != nil {
			return err
		}
		if !math.IsInf(f, 1) && f != math.Trunc(f) {
			return optionError("wsbeat: option %s is %v; it must be a whole number or Infinity", name, f)
		}
		switch {
		case f == 0:
			*dst = zeroMeans
		case math.IsInf(f, 1) || f > math.MaxInt32:
			*dst = math.MaxInt32
		default:
			*dst = int(f)
		}
		return nil
	}
	for _, step := range []func() error{
		func() error { return ms("minReconnectionDelay", &opts.MinReconnectionDelay, time.Nanosecond) },
		func() error { return ms("maxReconnectionDelay", &opts.MaxReconnectionDelay, time.Nanosecond) },
		func() error {
			f, err := number(o, "reconnectionDelayGrowFactor", 1, 1e6)
			opts.ReconnectionDelayGrowFactor = f
			return err
		},
		func() error { return ms("minUptime", &opts.MinUptime, time.Nanosecond) },
		func() error { return positive("connectionTimeout", &opts.ConnectionTimeout) },
		func() error {
			if err := count("maxRetries", &opts.MaxRetries, -1); err != nil {
				return err
			}
			if opts.MaxRetries == math.MaxInt32 {
				opts.MaxRetries = 0 // Infinity: no limit
			}
			return nil
		},
		func() error { return count("maxEnqueuedMessages", &opts.MaxEnqueuedMessages, -1) },
		func() error { return count("maxEnqueuedBytes", &opts.MaxEnqueuedBytes, -1) },
		func() error { return ms("heartbeatInterval", &opts.HeartbeatInterval, -1) },
		func() error { return positive("heartbeatTimeout", &opts.HeartbeatTimeout) },
		func() error {
			s, err := stringOption(o, "overflow")
			if err != nil {
				return err
			}
			switch s {
			case "drop-oldest":
				opts.Overflow = wsbeat.DropOldest
			case "drop-newest":
				opts.Overflow = wsbeat.DropNewest
			case "throw":
				opts.Overflow = wsbeat.OverflowError
			default:
				return optionError(`wsbeat: option overflow is %q; allowed: "drop-oldest", "drop-newest" or "throw"`, s)
			}
			return nil
		},
		func() error {
			v, err := o.Get("heartbeatMessage")
			if err != nil {
				return err
			}
			switch v.Type() {
			case safejs.TypeString:
				opts.HeartbeatMessage, _ = v.String()
				if opts.HeartbeatMessage == "" {
					return optionError("wsbeat: option heartbeatMessage is empty; it must be a non-empty string or a function")
				}
			case safejs.TypeFunction:
				// The engine asks for a ping's text under its lock; the
				// page's function must run outside it. So the engine sends
				// pingFromPage, and conn.Send has the port call the
				// function and send its text a moment later (port.ping).
				opts.HeartbeatMessage = pingFromPage
			default:
				return optionError("wsbeat: option heartbeatMessage is a %s; it must be a string or a function", v.Type())
			}
			return nil
		},
		func() error {
			v, err := o.Get("heartbeatResponse")
			if err != nil {
				return err
			}
			switch v.Type() {
			case safejs.TypeNull:
				// Deliver every message: wsbeat.js delivers pongs itself
				// on the fast path and reports them to the engine only to
				// time the heartbeat, so the engine must not deliver them
				// a second time (opts.DeliverHeartbeats stays false).
			case safejs.TypeString:
				opts.HeartbeatResponse, _ = v.String()
				if opts.HeartbeatResponse == "" {
					return optionError("wsbeat: option heartbeatResponse is empty; it must be a non-empty string or null")
				}
			default:
				return optionError("wsbeat: option heartbeatResponse is a %s; it must be a string or null", v.Type())
			}
			return nil
		},
		func() error {
			v, err := o.Get("shouldReconnect")
			if err != nil {
				return err
			}
			switch v.Type() {
			case safejs.TypeFunction:
				opts.ShouldReconnect = func(c wsbeat.CloseInfo) bool {
					r, err := callJS(port, "shouldReconnect", c.Code, c.Reason, c.WasClean)
					if err != nil {
						return wsbeat.DefaultShouldReconnect(c)
					}
					b, _ := r.Truthy()
					return b
				}
			case safejs.TypeUndefined, safejs.TypeNull:
			default:
				return optionError("wsbeat: option shouldReconnect is a %s; it must be a function", v.Type())
			}
			return nil
		},
		func() error {
			v, err := o.Get("debug")
			if err != nil {
				return err
			}
			if on, _ := v.Truthy(); on {
				opts.Logf = func(format string, args ...any) {
					callJS(port, "log", msgfmt.Sprintf(format, args...))
				}
			}
			return nil
		},
	} {
		if err := step(); err != nil {
			return opts, err
		}
	}
	return opts, nil
}

// number reads a numeric option within [lo, hi].
func number(o safejs.Value, name string, lo, hi float64) (float64, error) {
	v, err := o.Get(name)
	if err != nil {
		return 0, err
	}
	if v.Type() != safejs.TypeNumber {
		return 0, optionError("wsbeat: option %s is a %s; it must be a number from %v to %v", name, v.Type(), lo, hi)
	}
	f, _ := v.Float()
	if math.IsNaN(f) || f < lo || f > hi {
		return 0, optionError("wsbeat: option %s is %v; it must be a number from %v to %v", name, f, lo, hi)
	}
	return f, nil
}

func stringOption(o safejs.Value, name string) (string, error) {
	v, err := o.Get(name)
	if err != nil {
		return "", err
	}
	if v.Type() != safejs.TypeString {
		return "", optionError("wsbeat: option %s is a %s; it must be a string", name, v.Type())
	}
	return v.String()
}
