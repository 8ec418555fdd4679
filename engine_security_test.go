package wsbeat

import (
	"context"
	"errors"
	"strings"
	"testing"
	"testing/synctest"
)

// Tests of what a careless caller or a hostile peer must not get past:
// messages whose Size lies, an unbounded send buffer, secrets of the URL in
// error texts and logs.

// TestSendRefusesLyingSize: a message whose Size is negative, or not the
// length of its string or []byte Data, would pass the queue's byte limit;
// Send refuses it with ErrInvalidMessage and changes nothing.
func TestSendRefusesLyingSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1, MaxEnqueuedBytes: 10, Overflow: OverflowError})
		res, err := h.s.SendText("12345")
		eq(t, "first Send", res, Queued)
		eq(t, "first Send error", err, nil)
		for _, m := range []Message{
			{Data: "x", Size: -1000},
			{Data: strings.Repeat("x", 100), Size: 1},
			{Binary: true, Data: make([]byte, 100), Size: 0},
			{Data: struct{}{}, Size: -1}, // data the engine cannot measure
		} {
			res, err := h.s.Send(m)
			errIs(t, err, ErrInvalidMessage)
			eq(t, "result", res, SendResult(0))
			eq(t, "ErrorCode", ErrorCode(err), "ERR_INVALID_MESSAGE")
			eq(t, "queued messages", h.s.QueuedMessages(), 1)
			eq(t, "queued bytes", h.s.QueuedBytes(), 5)
		}
		// The byte limit still holds: 5 more fit, 6 do not.
		_, err = h.s.SendText("123456")
		errIs(t, err, ErrQueueFull)
		res, err = h.s.SendText("abcde")
		eq(t, "Send up to the limit", res, Queued)
		eq(t, "error", err, nil)
		eq(t, "nothing dropped", len(h.rec.of(EventDrop)), 0)
		c := h.openNext()
		deepEq(t, "flushed", c.texts(), []string{"12345", "abcde"})
		// And while open.
		_, err = h.s.Send(Message{Data: "x", Size: -1})
		errIs(t, err, ErrInvalidMessage)
		deepEq(t, "sent while open", c.texts(), []string{"12345", "abcde"})
	})
}

// TestSendBufferBound: while open, Send fails with ErrBufferFull instead of
// letting the connection's buffer grow past MaxBufferedBytes, whose
// default bounds it natively.
func TestSendBufferBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := newHarness(t, &Options{HeartbeatInterval: -1})
		c := h.openNext()
		eq(t, "default MaxBufferedBytes", h.s.opts.MaxBufferedBytes, defaultMaxBufferedBytes)
		c.setBuffered(defaultMaxBufferedBytes - 1)
		res, err := h.s.SendText("a")
		eq(t, "Send to the limit", res, Sent)
		eq(t, "error", err, nil)
		c.setBuffered(defaultMaxBufferedBytes)
		res, err = h.s.SendText("b")
		errIs(t, err, ErrBufferFull)
		eq(t, "result", res, SendResult(0))
		deepEq(t, "sent", c.texts(), []string{"a"})
		eq(t, "queued", h.s.QueuedMessages(), 0)
		// An empty buffer takes any message.
		c.setBuffered(0)
		big := strings.Repeat("x", defaultMaxBufferedBytes+1)
		res, err = h.s.SendText(big)
		eq(t, "big message on an empty buffer", res, Sent)
		eq(t, "error", err, nil)
	})
	t.Run("set and off", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			h := newHarness(t, &Options{HeartbeatInterval: -1, MaxBufferedBytes: 10})
			c := h.openNext()
			c.mu.Lock()
			c.bufferSends = true
			c.mu.Unlock()
			for _, s := range []string{"12345", "6789", "0"} {
				_, err := h.s.SendText(s)
				eq(t, "Send "+s, err, nil)
			}
			_, err := h.s.SendText("x")
			errIs(t, err, ErrBufferFull)

			h2 := newHarness(t, &Options{HeartbeatInterval: -1, MaxBufferedBytes: -1})
			c2 := h2.openNext()
			c2.setBuffered(1 << 40)
			_, err = h2.s.SendText("x")
			eq(t, "no limit", err, nil)
		})
	})
}

// secretURL carries a password and a token, neither of which may show.
const secretURL = "wss://alice:s3cret-pass@example.test/feed?token=s3cret-token&room=1"

func noSecret(t *testing.T, what, text string) {
	t.Helper()
	check(t, !strings.Contains(text, "s3cret"), "%s shows a secret: %q", what, text)
}

// TestSecretsRedacted: the URL's password and query values appear in no
// error text, close reason or log line, whichever part reports it.
func TestSecretsRedacted(t *testing.T) {
	t.Run("invalid URL", func(t *testing.T) {
		for _, raw := range []string{
			secretURL + "#frag", // a fragment
			"ftp://alice:s3cret-pass@example.test/?token=s3cret-token",  // another scheme
			"wss://alice:s3cret-pass@exa mple.test/?token=s3cret-token", // bad host
			"/feed?token=s3cret-token",                                  // relative
			"wss://example.test/feed#access_token=s3cret-token",         // token in the fragment
		} {
			_, err := New(raw, &Options{Transport: &fakeTransport{}})
			errIs(t, err, ErrInvalidURL)
			noSecret(t, "New error", err.Error())
		}
	})
	t.Run("dial, failure and logs", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			tr := &fakeTransport{}
			// As net/http words it, with the URL it dialled.
			tr.setDialErr(errors.New(`Get "https://alice:s3cret-pass@example.test/feed?token=s3cret-token&room=1": dial tcp: refused`))
			rec := &recorder{}
			logs := &logSink{}
			s, err := New(secretURL, &Options{Transport: tr, OnEvent: rec.on, Logf: logs.logf, HeartbeatInterval: -1, MaxRetries: 2})
			eq(t, "New", err, nil)
			synctest.Wait()
			tr.setDialErr(nil)
			eq(t, "reconnecting events", len(rec.of(EventReconnecting)), 1)
			s.Resume() // retry now; this attempt dials, then fails
			synctest.Wait()
			eq(t, "attempts dialled", tr.count(), 1)
			tr.last().fail(errors.New(`failed to WebSocket dial: Get "https://alice:s3cret-pass@example.test/feed?token=s3cret-token": EOF`))
			tr.last().peerClose(CodeAbnormal, "", false)
			synctest.Wait()
			errs := rec.of(EventError)
			eq(t, "error events", len(errs), 2)
			for _, e := range errs {
				errIs(t, e.Err, ErrRefused)
				noSecret(t, "error event", e.Err.Error())
				check(t, strings.Contains(e.Err.Error(), "example.test/feed"), "error %q does not name the host", e.Err)
			}
			for _, e := range rec.of(EventClose) {
				noSecret(t, "close reason", e.Close.Reason)
			}
			check(t, strings.Contains(logs.text(), "connecting to"), "no connect line in %q", logs.text())
			noSecret(t, "log", logs.text())
			s.Close(0, "")
		})
	})
	t.Run("URL function", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			rec := &recorder{}
			s, err := NewFunc(func(context.Context) (string, error) {
				return "", errors.New("refresh " + secretURL + " failed")
			}, &Options{Transport: &fakeTransport{}, OnEvent: rec.on, MaxRetries: -1})
			eq(t, "NewFunc", err, nil)
			synctest.Wait()
			errs := rec.of(EventError)
			eq(t, "error events", len(errs), 1)
			noSecret(t, "URL function error", errs[0].Err.Error())
			s.Close(0, "")
		})
	})
}

func TestRedactURLsIn(t *testing.T) {
	for in, want := range map[string]string{
		"no URL here":                           "no URL here",
		`Get "http://u:p@h:1/x?a=b#c": refused`: `Get "http://xxx@h:1/x?…": refused`,
		"ws://h/p?t=1 and wss://u@h2/#f":        "ws://h/p?… and wss://xxx@h2/#…",
		"x://":                                  "x://",
		"://h?q":                                "://h?…",
	} {
		eq(t, "redactURLsIn("+in+")", redactURLsIn(in), want)
	}
}

// TestReadLimitDefault: natively, a message over 16 MiB is refused by
// default (it was 64 MiB); negative means no limit.
func TestReadLimitDefault(t *testing.T) {
	o, err := (&Options{Transport: &fakeTransport{}}).withDefaults()
	eq(t, "withDefaults error", err, nil)
	eq(t, "ReadLimit", o.ReadLimit, int64(16<<20))
	eq(t, "DefaultReadLimit", DefaultReadLimit, 16<<20)
	o, _ = (&Options{Transport: &fakeTransport{}, ReadLimit: -1}).withDefaults()
	eq(t, "negative ReadLimit", o.ReadLimit, int64(-1))
}
