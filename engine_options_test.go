package wsbeat

import (
	"context"
	"errors"
	"math"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// Tests of option validation, URLs and the URL function.

func TestBadOptionsAreRejected(t *testing.T) {
	for _, tc := range []struct {
		field string
		opts  Options
	}{
		{"MinReconnectionDelay", Options{MinReconnectionDelay: -time.Second}},
		{"MaxReconnectionDelay", Options{MaxReconnectionDelay: -time.Second}},
		{"ReconnectionDelayGrowFactor", Options{ReconnectionDelayGrowFactor: 0.5}},
		{"ReconnectionDelayGrowFactor", Options{ReconnectionDelayGrowFactor: -2}},
		{"ReconnectionDelayGrowFactor", Options{ReconnectionDelayGrowFactor: math.NaN()}},
		{"ReconnectionDelayGrowFactor", Options{ReconnectionDelayGrowFactor: math.Inf(1)}},
		{"MinUptime", Options{MinUptime: -1}},
		{"ConnectionTimeout", Options{ConnectionTimeout: -1}},
		{"Overflow", Options{Overflow: Overflow(3)}},
		{"Overflow", Options{Overflow: -1}},
		{"HeartbeatTimeout", Options{HeartbeatTimeout: -time.Second}},
	} {
		tr := &fakeTransport{}
		o := tc.opts
		o.Transport = tr
		s, err := New(testURL, &o)
		check(t, s == nil, "%s: New returned a Socket for a bad option", tc.field)
		errIs(t, err, ErrInvalidOption)
		check(t, strings.Contains(err.Error(), tc.field+" is "), "error %q does not name %s", err, tc.field)
		_, err = NewFunc(func(context.Context) (string, error) { return testURL, nil }, &o)
		errIs(t, err, ErrInvalidOption)
		eq(t, "attempts with a bad option", tr.count(), 0)
	}
}

// TestMaxBelowMinReconnectionDelay: a MaxReconnectionDelay below
// MinReconnectionDelay is accepted and caps every delay.
func TestMaxBelowMinReconnectionDelay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max time.Duration
	}{
		{"both set", 5 * time.Second, time.Second},
		{"min above the default max", time.Minute, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := newHarness(t, &Options{
					MinReconnectionDelay: tc.min, MaxReconnectionDelay: tc.max,
					Rand: func() float64 { return nearOne }, HeartbeatInterval: -1,
				})
				limit := tc.max
				if limit == 0 {
					limit = DefaultMaxReconnectionDelay
				}
				for range 5 {
					h.tr.last().peerClose(CodeAbnormal, "", false)
					synctest.Wait()
					rec := h.rec.of(EventReconnecting)
					d := rec[len(rec)-1].Delay
					check(t, d <= limit && d >= limit*9/10, "delay %v: want at most MaxReconnectionDelay %v, near it", d, limit)
					h.advance(d)
				}
				eq(t, "attempts", h.tr.count(), 6)
			})
		})
	}
}

func TestDefaults(t *testing.T) {
	o, err := (*Options)(nil).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "MinReconnectionDelay", o.MinReconnectionDelay, 500*time.Millisecond)
	eq(t, "MaxReconnectionDelay", o.MaxReconnectionDelay, 10*time.Second)
	eq(t, "ReconnectionDelayGrowFactor", o.ReconnectionDelayGrowFactor, 1.5)
	eq(t, "MinUptime", o.MinUptime, 5*time.Second)
	eq(t, "ConnectionTimeout", o.ConnectionTimeout, 4*time.Second)
	eq(t, "MaxRetries", o.MaxRetries, 0)
	eq(t, "MaxEnqueuedMessages", o.MaxEnqueuedMessages, 1000)
	eq(t, "MaxEnqueuedBytes", o.MaxEnqueuedBytes, 1<<20)
	eq(t, "Overflow", o.Overflow, DropOldest)
	eq(t, "HeartbeatInterval", o.HeartbeatInterval, 25*time.Second)
	eq(t, "HeartbeatTimeout", o.HeartbeatTimeout, 10*time.Second)
	eq(t, "HeartbeatMessage", o.HeartbeatMessage, "ping")
	eq(t, "HeartbeatResponse", o.HeartbeatResponse, "pong")
	check(t, o.ShouldReconnect != nil && o.OnEvent != nil && o.Logf != nil && o.Clock != nil && o.Rand != nil, "a default func is missing")
	check(t, o.Transport != nil, "no default transport")
	o.OnEvent(Event{})
	o.Logf("x %d", 1)
	r := o.Rand()
	check(t, r >= 0 && r < 1, "Rand() = %v", r)
	now := o.Clock.Now()
	check(t, time.Since(now) < time.Minute, "Clock.Now() = %v", now)
	fired := make(chan struct{})
	o.Clock.AfterFunc(0, func() { close(fired) })
	<-fired
	check(t, !o.Clock.AfterFunc(time.Hour, func() {}).Stop() == false, "Stop of a pending timer failed")

	// "No queue" and "no heartbeat" are negative, and kept.
	o, err = (&Options{MaxEnqueuedMessages: -1, MaxEnqueuedBytes: -5, HeartbeatInterval: -1, MaxRetries: -1}).withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "MaxEnqueuedMessages for no queue", o.MaxEnqueuedMessages, 0)
	eq(t, "MaxEnqueuedBytes for no queue", o.MaxEnqueuedBytes, 0)
	check(t, !o.heartbeatOn(), "heartbeat on with a negative interval")
	eq(t, "MaxRetries", o.MaxRetries, -1)
}

// TestOptionsAreCopied: New works on a copy, so one Options value can be
// shared and later changed without touching the Socket.
func TestOptionsAreCopied(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		o := &Options{MaxEnqueuedMessages: 1, HeartbeatInterval: -1}
		h := newHarness(t, o)
		o.MaxEnqueuedMessages = 100
		h.s.SendText("a")
		res, _ := h.s.SendText("b")
		eq(t, "Send beyond the original limit", res, Queued)
		eq(t, "QueuedMessages", h.s.QueuedMessages(), 1)
	})
}

func TestNormalizeURL(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{"ws://example.com/feed", "ws://example.com/feed"},
		{"wss://example.com:8443/a?b=c", "wss://example.com:8443/a?b=c"},
		{"http://example.com/feed", "ws://example.com/feed"},
		{"https://example.com/feed?x=1", "wss://example.com/feed?x=1"},
		{"HTTPS://Example.com/", "wss://Example.com/"},
		{"WS://example.com", "ws://example.com"},
	} {
		got, err := NormalizeURL(tc.in)
		eq(t, "error for "+tc.in, err, nil)
		eq(t, "NormalizeURL("+tc.in+")", got, tc.out)
	}
	for _, tc := range []struct{ in, says string }{
		{"/relative/path", "absolute"},
		{"example.com/feed", "absolute"},
		{"", "absolute"},
		{"ftp://example.com/", `scheme "ftp"`},
		{"file:///etc/passwd", `scheme "file"`},
		{"ws://example.com/#frag", "fragment"},
		{"ws://example.com/#", "fragment"},
		{"ws:///path", "no host"},
		{"wss://", "no host"},
		{"ws://exa mple.com/", ""},
		{"http://[::1", ""},
	} {
		got, err := NormalizeURL(tc.in)
		errIs(t, err, ErrInvalidURL)
		eq(t, "result for "+tc.in, got, "")
		check(t, strings.Contains(err.Error(), tc.says), "error for %q is %q, want it to say %q", tc.in, err, tc.says)
		s, err := New(tc.in, &Options{Transport: &fakeTransport{}})
		check(t, s == nil, "New(%q) returned a Socket", tc.in)
		errIs(t, err, ErrInvalidURL)
	}
	_, err := NewFunc(nil, nil)
	errIs(t, err, ErrInvalidURL)
}

func TestHTTPURLsDialAsWebSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &fakeTransport{}
		s, err := New("https://example.test/x", &Options{Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(CodeNormal, "")
		synctest.Wait()
		eq(t, "dialled URL", tr.last().url, "wss://example.test/x")
		eq(t, "URL()", s.URL(), "wss://example.test/x")
	})
}

func TestLogsHideSecrets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		logs := &logSink{}
		tr := &fakeTransport{}
		tr.setDialErr(errors.New("refused"))
		var closeEvent atomic.Pointer[Event]
		s, err := New("wss://user:hunter2@example.test/feed?token=s3cret", &Options{Transport: tr, Logf: logs.logf,
			OnEvent: func(e Event) {
				if e.Type == EventError {
					closeEvent.Store(&e)
				}
			}})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(CodeNormal, "")
		synctest.Wait()
		text := logs.text()
		check(t, strings.Contains(text, "connecting to wss://xxx@example.test/feed?…"), "no redacted connect line in %q", text)
		check(t, !strings.Contains(text, "hunter2") && !strings.Contains(text, "s3cret"), "secret in the log: %q", text)
		e := closeEvent.Load()
		check(t, e != nil, "no error event for a failed Dial")
		check(t, !strings.Contains(e.Err.Error(), "s3cret"), "secret in the error: %q", e.Err)
		eq(t, "unparseable URL", redactURL("http://[::1"), "<unparseable URL>")
	})
}

// --- URL function ---

func TestURLFuncIsCalledForEveryAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int32
		tr := &fakeTransport{}
		rec := &recorder{t0: time.Now()}
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			n := calls.Add(1)
			return "https://example.test/feed?attempt=" + string(rune('0'+n)), nil
		}, &Options{Transport: tr, OnEvent: rec.on, Rand: func() float64 { return 0 }, HeartbeatInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(CodeNormal, "")
		eq(t, "URL() before the first attempt", s.URL(), "")
		synctest.Wait()
		for i := 1; i <= 3; i++ {
			want := "wss://example.test/feed?attempt=" + string(rune('0'+i))
			eq(t, "attempts", tr.count(), i)
			eq(t, "dialled URL", tr.last().url, want)
			eq(t, "URL()", s.URL(), want)
			tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
		}
		eq(t, "URL function calls", calls.Load(), int32(4))
	})
}

func TestURLFuncFailures(t *testing.T) {
	boom := errors.New("token service down")
	for _, tc := range []struct {
		name  string
		fn    URLFunc
		after time.Duration // when the attempt fails
		err   []error       // the error event wraps one of these
		says  string
	}{
		{"error", func(context.Context) (string, error) { return "", boom }, 0, []error{boom}, "URL function failed"},
		{"panic", func(context.Context) (string, error) { panic("nil map") }, 0, nil, "panic: nil map"},
		{"invalid URL", func(context.Context) (string, error) { return "ftp://example.test/", nil }, 0, []error{ErrInvalidURL}, "ftp"},
		{"relative URL", func(context.Context) (string, error) { return "/feed", nil }, 0, []error{ErrInvalidURL}, "absolute"},
		{"slow, then error", func(ctx context.Context) (string, error) {
			time.Sleep(time.Second)
			return "", boom
		}, time.Second, []error{boom}, ""},
		{"blocks until the timeout", func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return "", ctx.Err()
		}, 4 * time.Second, []error{ErrConnectionTimeout}, "connection timeout"},
		{"blocks and returns a URL too late", func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return testURL, nil
		}, 4 * time.Second, []error{ErrConnectionTimeout}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tr := &fakeTransport{}
				rec := &recorder{t0: time.Now()}
				var failing atomic.Bool
				failing.Store(true)
				fn := func(ctx context.Context) (string, error) {
					if failing.Load() {
						return tc.fn(ctx)
					}
					return testURL, nil
				}
				s, err := NewFunc(fn, &Options{Transport: tr, OnEvent: rec.on, Rand: func() float64 { return nearOne },
					ConnectionTimeout: 4 * time.Second, HeartbeatInterval: -1})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close(CodeNormal, "")
				if tc.after > 0 {
					time.Sleep(tc.after - time.Nanosecond)
					synctest.Wait()
					eq(t, "events before the failure", len(rec.all()), 0)
					time.Sleep(time.Nanosecond)
				}
				synctest.Wait()
				evs := rec.all()
				deepEq(t, "events", types(evs), []string{"error", "statechange:reconnecting", "close", "reconnecting"})
				e := evs[0].Err
				if tc.err != nil {
					ok := false
					for _, want := range tc.err {
						ok = ok || errors.Is(e, want)
					}
					check(t, ok, "error event %v wraps none of %v", e, tc.err)
				}
				check(t, strings.Contains(e.Error(), tc.says), "error %q does not say %q", e, tc.says)
				eq(t, "close code", evs[2].Close.Code, CodeAbnormal)
				eq(t, "Attempt", evs[3].Attempt, 1)
				eq(t, "Delay (backoff, not immediate)", evs[3].Delay, time.Duration(nearOne*float64(DefaultMinReconnectionDelay)))
				eq(t, "attempts dialled", tr.count(), 0)
				eq(t, "RetryCount", s.RetryCount(), 1)
				failing.Store(false)
				time.Sleep(evs[3].Delay)
				synctest.Wait()
				eq(t, "attempts after the backoff", tr.count(), 1)
				eq(t, "URL()", s.URL(), testURL)
			})
		})
	}
}

// TestURLFuncCancelledByClose: Close during a slow URL function ends the
// attempt at once, cancels the function's ctx, and no dial follows.
func TestURLFuncCancelledByClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &fakeTransport{}
		rec := &recorder{t0: time.Now()}
		cancelled := make(chan error, 1)
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			<-ctx.Done()
			cancelled <- ctx.Err()
			return testURL, nil
		}, &Options{Transport: tr, OnEvent: rec.on})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Second)
		s.Close(CodeNormal, "bye")
		synctest.Wait()
		errIs(t, <-cancelled, context.Canceled)
		deepEq(t, "events", types(rec.all()), []string{"statechange:closed", "close"})
		time.Sleep(time.Hour)
		eq(t, "attempts", tr.count(), 0)
		eq(t, "events", len(rec.all()), 2)
	})
}

// TestURLFuncCancelledByReconnect: Reconnect during a slow URL function
// starts over with a fresh call; the old call's URL is never dialled.
func TestURLFuncCancelledByReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &fakeTransport{}
		var calls atomic.Int32
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			if calls.Add(1) == 1 {
				<-ctx.Done()
				return "ws://stale.test/", nil
			}
			return "ws://fresh.test/", nil
		}, &Options{Transport: tr})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(CodeNormal, "")
		synctest.Wait()
		s.Reconnect(0, "")
		synctest.Wait()
		eq(t, "attempts", tr.count(), 1)
		eq(t, "dialled URL", tr.last().url, "ws://fresh.test/")
	})
}

// TestURLFuncPastTheDeadline: a URL function that answers only after the
// attempt's ConnectionTimeout has passed is too late: nothing is dialled
// and the attempt is a connection timeout, even when the engine's own
// timer runs late (throttled tab) and the function's ctx ends first.
func TestURLFuncPastTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tr := &fakeTransport{}
		rec := &recorder{t0: time.Now()}
		s, err := NewFunc(func(ctx context.Context) (string, error) {
			<-ctx.Done()
			return testURL, nil // a URL, but too late
		}, &Options{Transport: tr, OnEvent: rec.on, Clock: lateClock{late: time.Minute},
			ConnectionTimeout: 4 * time.Second, HeartbeatInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close(CodeNormal, "")
		time.Sleep(4 * time.Second)
		synctest.Wait()
		eq(t, "attempts dialled", tr.count(), 0)
		evs := rec.all()
		deepEq(t, "events", types(evs), []string{"error", "statechange:reconnecting", "close", "reconnecting"})
		errIs(t, evs[0].Err, ErrConnectionTimeout)
		eq(t, "failed after", evs[0].at, 4*time.Second)
		eq(t, "close", evs[2].Close, CloseInfo{Code: CodeAbnormal, Reason: "connection timeout"})
	})
}
