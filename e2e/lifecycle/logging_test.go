//go:build !js

package lifecycle

import (
	"fmt"
	"strings"
	"testing"
	"time"

	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testLoggingHygiene runs sockets with debug logging on, a URL that holds
// credentials and a token, and messages that hold a secret, through a
// drop and a heartbeat timeout, so the engine logs its connects and the
// timeout. No log line (the debug function's, or the console's with
// debug: true) and no error event message may contain the password, the
// token or the message contents.
func testLoggingHygiene(t *testing.T, b *bt.Browser, res *results) {
	srv := startServer(t, echo.Config{}, nil)
	p := openPage(t, b, srv.URL)
	url := "ws://user:secret@" + srv.Listener.Addr().String() + "/echo?token=s3cret"
	secrets := []string{"secret", "s3cret", "XYZZY"}
	const opts = `heartbeatInterval: 500, heartbeatTimeout: 500, minReconnectionDelay: 50, maxReconnectionDelay: 100`

	bt.Eval[bool](t, p, `(T.logs = [], true)`)
	track(t, p, "s", url, `{debug: l => T.logs.push(String(l)), `+opts+`}`)
	bt.Eval[bool](t, p, fmt.Sprintf(`T.track("f", () => %q, [], {debug: l => T.logs.push(String(l)), %s})`, url, opts))
	bt.Eval[bool](t, p, `T.opened("f", 10000)`)
	track(t, p, "c", url, `{debug: true, `+opts+`}`)
	names := []string{"s", "f", "c"}
	for _, name := range names {
		bt.Eval[bool](t, p, fmt.Sprintf(`T.echo(%q, "msg with secret XYZZY", 5000)`, name))
	}
	srv.Control(t, "drop")
	for _, name := range names {
		bt.WaitFor(t, p, fmt.Sprintf(`T.socks.%s.opens >= 2 && T.socks.%s.ws.state === "open"`, name, name), 10*time.Second)
		bt.Eval[bool](t, p, fmt.Sprintf(`T.echo(%q, "another secret XYZZY", 5000)`, name))
	}
	srv.Control(t, "silence")
	for _, name := range names {
		bt.WaitFor(t, p, fmt.Sprintf(`T.socks.%s.opens >= 3 && T.socks.%s.ws.state === "open"`, name, name), 10*time.Second)
	}

	lines := bt.Eval[[]string](t, p, `T.logs`)
	for _, l := range p.Console() {
		// Chromium's own log entries ("log.network ...") are the
		// browser's, not wsbeat's; a page cannot silence them.
		if strings.HasPrefix(l, "log: ") {
			lines = append(lines, l)
		}
	}
	var errs []string
	for _, name := range names {
		errs = append(errs, bt.Eval[[]string](t, p, fmt.Sprintf(`T.socks.%s.errors`, name))...)
	}
	joined := strings.Join(lines, "\n")
	if !strings.Contains(joined, "connecting") || !strings.Contains(joined, "heartbeat timeout") {
		t.Errorf("debug logging did not log the connects and the heartbeat timeout, so the check proves little:\n%s", joined)
	}
	if !strings.Contains(joined, "log: wsbeat") {
		t.Errorf("debug: true logged nothing to the console:\n%s", joined)
	}
	var leaks []string
	for _, l := range append(append([]string(nil), lines...), errs...) {
		for _, s := range secrets {
			if strings.Contains(l, s) {
				leaks = append(leaks, fmt.Sprintf("%q contains %q", l, s))
			}
		}
	}
	if len(leaks) > 0 {
		t.Errorf("secrets in log lines or error messages:\n\t%s", strings.Join(leaks, "\n\t"))
	}
	t.Logf("%d log lines, %d error messages, e.g.:\n\t%s", len(lines), len(errs), strings.Join(lines[:min(len(lines), 6)], "\n\t"))
	res.add(t, "logging-hygiene", "n/a (the browser's own console messages show the full URL)",
		fmt.Sprintf("%d debug/console lines and %d error messages checked; %d contain the password, token or message text", len(lines), len(errs), len(leaks)), "n/a")
}
