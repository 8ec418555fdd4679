package wsbeat

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsbeat/wsbeat/internal/msgfmt"
)

// Tests of the error kinds: every error the engine returns or reports is
// one kind, which ErrorCode names.

func TestErrorCode(t *testing.T) {
	want := map[error]string{
		ErrInvalidURL:        "ERR_INVALID_URL",
		ErrInvalidOption:     "ERR_INVALID_OPTION",
		ErrInvalidMessage:    "ERR_INVALID_MESSAGE",
		ErrClosed:            "ERR_CLOSED",
		ErrQueueFull:         "ERR_QUEUE_FULL",
		ErrBufferFull:        "ERR_BUFFER_FULL",
		ErrConnectionTimeout: "ERR_CONNECTION_TIMEOUT",
		ErrHeartbeatTimeout:  "ERR_HEARTBEAT_TIMEOUT",
		ErrRefused:           "ERR_REFUSED",
		ErrConnectionLost:    "ERR_CONNECTION_LOST",
		ErrMessageTooBig:     "ERR_MESSAGE_TOO_BIG",
		ErrURLFunction:       "ERR_URL_FUNCTION",
		ErrReliableRefused:   "ERR_RELIABLE_REFUSED",
		ErrProtocol:          "ERR_PROTOCOL",
	}
	eq(t, "kinds with a code", len(errorCodes), len(want))
	for kind, code := range want {
		eq(t, "ErrorCode("+kind.Error()+")", ErrorCode(kind), code)
		eq(t, "ErrorCode of a wrapped "+code, ErrorCode(fmt.Errorf("context: %w", kind)), code)
		eq(t, "ErrorCode of a msgfmt-wrapped "+code, ErrorCode(msgfmt.Wrap(kind, "context")), code)
		// A cause of another kind does not change the kind given.
		e := newError(kind, "wsbeat: context: cause", fmt.Errorf("cause: %w", ErrClosed))
		eq(t, "ErrorCode with a cause of another kind", ErrorCode(e), code)
		check(t, errors.Is(e, kind), "%v is not its kind", e)
	}
	eq(t, "ErrorCode(nil)", ErrorCode(nil), "")
	eq(t, "ErrorCode of a foreign error", ErrorCode(errors.New("other")), "")
	eq(t, "ErrorCode of context.Canceled", ErrorCode(context.Canceled), "")
}

// errorEvent returns the error of the only error event since the first i.
func (h *harness) errorEvent(i int) error {
	h.t.Helper()
	var errs []error
	for _, e := range h.rec.since(i) {
		if e.Type == EventError {
			errs = append(errs, e.Err)
		}
	}
	eq(h.t, "error events", len(errs), 1)
	return errs[0]
}

// TestErrorKindsOfTheEngine makes the engine fail each way and checks the
// kind and code of what it returns or reports.
func TestErrorKindsOfTheEngine(t *testing.T) {
	kind := func(t *testing.T, err, want error) {
		t.Helper()
		errIs(t, err, want)
		eq(t, "ErrorCode", ErrorCode(err), ErrorCode(want))
	}
	t.Run("New", func(t *testing.T) {
		_, err := New("ftp://example.test/", &Options{Transport: &fakeTransport{}})
		kind(t, err, ErrInvalidURL)
		_, err = New(testURL, &Options{Transport: &fakeTransport{}, MinUptime: -1})
		kind(t, err, ErrInvalidOption)
		_, err = NewFunc(nil, &Options{Transport: &fakeTransport{}})
		kind(t, err, ErrInvalidURL)
	})
	t.Run("Send", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{HeartbeatInterval: -1, MaxEnqueuedMessages: 1, Overflow: OverflowError})
			_, err := h.s.SendText("a")
			eq(t, "first Send", err, nil)
			_, err = h.s.SendText("b")
			kind(t, err, ErrQueueFull)
			h.s.Close(0, "")
			_, err = h.s.SendText("c")
			kind(t, err, ErrClosed)
		})
	})
	t.Run("dial error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{HeartbeatInterval: -1, StartClosed: true})
			h.tr.setDialErr(errors.New("no route"))
			h.s.Reconnect(0, "")
			synctest.Wait()
			err := h.errorEvent(0)
			kind(t, err, ErrRefused)
			check(t, err.Error() == `wsbeat: failed to dial "ws://example.test/feed": no route`, "text %q", err)
		})
	})
	t.Run("failed before and after open", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{HeartbeatInterval: -1})
			c := h.tr.last()
			c.fail(errors.New("handshake failed"))
			synctest.Wait()
			kind(t, h.errorEvent(0), ErrRefused)
			c.peerClose(CodeAbnormal, "", false)
			h.advance(time.Minute)
			n := len(h.rec.all())
			c = h.openNext()
			c.fail(errors.New("read: EOF"))
			synctest.Wait()
			err := h.errorEvent(n)
			kind(t, err, ErrConnectionLost)
			check(t, err.Error() == `wsbeat: connection to "ws://example.test/feed" lost: read: EOF`, "text %q", err)
			// A transport's error of a kind keeps it.
			n = len(h.rec.all())
			c.fail(ErrHeartbeatTimeout)
			synctest.Wait()
			kind(t, h.errorEvent(n), ErrHeartbeatTimeout)
		})
	})
	t.Run("timeouts", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{HeartbeatInterval: time.Second, HeartbeatTimeout: time.Second})
			h.advance(DefaultConnectionTimeout)
			kind(t, h.errorEvent(0), ErrConnectionTimeout)
			h.advance(time.Minute)
			n := len(h.rec.all())
			h.openNext()
			h.advance(5 * time.Second)
			kind(t, h.errorEvent(n), ErrHeartbeatTimeout)
		})
	})
	t.Run("URL function", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			fn   URLFunc
			want error
		}{
			{"error", func(context.Context) (string, error) { return "", errors.New("no token") }, ErrURLFunction},
			{"panic", func(context.Context) (string, error) { panic("boom") }, ErrURLFunction},
			{"bad URL", func(context.Context) (string, error) { return "ftp://example.test/", nil }, ErrInvalidURL},
		} {
			t.Run(tc.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					tr := &fakeTransport{}
					rec := &recorder{}
					s, err := NewFunc(tc.fn, &Options{Transport: tr, OnEvent: rec.on, HeartbeatInterval: -1, MaxRetries: -1})
					eq(t, "NewFunc error", err, nil)
					synctest.Wait()
					var errs []error
					for _, e := range rec.of(EventError) {
						errs = append(errs, e.Err)
					}
					eq(t, "error events", len(errs), 1)
					kind(t, errs[0], tc.want)
					s.Close(0, "")
				})
			})
		}
	})
}
