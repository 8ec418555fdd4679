//go:build !js

package wsbeat_test

import (
	"bytes"
	"errors"
	"net"
	"strings"
	"testing"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/server/echo"
)

// TestNativeReadLimit: a message over ReadLimit ends the connection with
// 1009 and an error of kind ErrMessageTooBig, and the Socket does not
// retry. (Its 16 MiB default takes seconds to echo under -race;
// TestReadLimitDefault checks it.)
func TestNativeReadLimit(t *testing.T) {
	for _, tc := range []struct {
		name  string
		limit int64
		size  int
	}{
		{"set", 1000, 1001},
		{"set on the transport", 0, 1001},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startEcho(t, echo.Config{ReadLimit: 32 << 20})
			o := fastOptions()
			o.ReadLimit = tc.limit
			o.HeartbeatInterval = -1
			if tc.limit == 0 {
				o.ReadLimit = 1 << 20 // overridden by the transport's
				o.Transport = &wsbeat.NativeTransport{ReadLimit: 1000}
			}
			s, rec := connect(t, srv.wsURL, o)
			cur := 0
			awaitOpen(t, rec, &cur)
			if tc.limit > 0 {
				echoRoundTrip(t, s, rec, &cur, "under the limit")
			}
			_, err := s.SendBinary(bytes.Repeat([]byte{7}, tc.size))
			noErr(t, "SendBinary", err)
			e := rec.await(t, &cur, wait, "error", isType(wsbeat.EventError))
			if !errors.Is(e.Err, wsbeat.ErrMessageTooBig) {
				t.Fatalf("error %v: want ErrMessageTooBig", e.Err)
			}
			cl := rec.await(t, &cur, wait, "close", isType(wsbeat.EventClose))
			equal(t, "close code", cl.Close.Code, 1009)
			equal(t, "WillReconnect", cl.WillReconnect, false)
		})
	}
}

// TestNativeDialErrorRedacted: the error of a failed dial names the URL
// without its password or token, though the HTTP client's error quotes
// the URL with the token.
func TestNativeDialErrorRedacted(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	noErr(t, "listen", err)
	addr := ln.Addr().String()
	ln.Close() // nothing listens: the dial is refused
	url := "ws://alice:s3cret-pass@" + addr + "/feed?token=s3cret-token&room=1"
	o := fastOptions()
	o.MaxRetries = -1
	_, rec := connect(t, url, o)
	cur := 0
	e := rec.await(t, &cur, wait, "error", isType(wsbeat.EventError))
	if !errors.Is(e.Err, wsbeat.ErrRefused) {
		t.Errorf("error %v: want ErrRefused", e.Err)
	}
	if msg := e.Err.Error(); strings.Contains(msg, "s3cret") || !strings.Contains(msg, addr) {
		t.Errorf("error text %q: want the address and no secret", msg)
	}
	cl := rec.await(t, &cur, wait, "close", isType(wsbeat.EventClose))
	if strings.Contains(cl.Close.Reason, "s3cret") {
		t.Errorf("close reason %q shows a secret", cl.Close.Reason)
	}
}
