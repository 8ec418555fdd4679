//go:build !js

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testServerDrivenLiveness runs a socket whose heartbeat interval (3s) is
// longer than the server's keepalive (1s): the server's messages keep it
// alive, so the page sends nothing at all for 8s, no ping included, and
// stays open. Then the server goes silent, and wsbeat must still declare
// it dead by elapsed time within interval + timeout.
func testServerDrivenLiveness(t *testing.T, b *bt.Browser, res *results) {
	const (
		idle  = 8 * time.Second
		bound = (3+2)*time.Second + 2500*time.Millisecond
	)
	srv := startServer(t, echo.Config{Keepalive: time.Second}, nil)
	p := openPage(t, b, srv.URL)
	track(t, p, "a", srv.WSURL("/echo"), `{heartbeatInterval: 3000, heartbeatTimeout: 2000}`)
	plain(t, p, "p", srv.WSURL("/echo"))
	srv.Control(t, "reset")
	start := nowMS()
	time.Sleep(idle)
	st := srv.Echo.Stats()
	ev := events(t, p, `T.socks.a.events`)
	if st.Received != 0 {
		t.Errorf("the page sent %d messages (pings) in %v although the server's keepalive (1s) kept the connection busy (interval 3s)", st.Received, idle)
	}
	if st.Sent < 2*int64(idle/time.Second)-2 {
		t.Errorf("the server sent only %d keepalives in %v to 2 sockets", st.Sent, idle)
	}
	if c, ok := firstOf(ev, "close", start); ok {
		t.Errorf("closed although the server's keepalives arrived: %s", c)
	}
	if n := bt.Eval[int](t, p, `T.socks.a.messages`); n != 0 {
		t.Errorf("%d keepalives were delivered as message events; heartbeatResponse should filter them", n)
	}

	srv.Control(t, "silence")
	silencedMS := nowMS()
	err := bt.WaitForErr(p, fmt.Sprintf(`T.socks.a.events.some(e => e.type === "close" && e.t >= %d)`, silencedMS), bound)
	ev = events(t, p, `T.socks.a.events`)
	if err != nil {
		t.Fatalf("silent server not detected within %v: %v%s", bound, err, dump(ev, silencedMS))
	}
	closeEv, _ := firstOf(ev, "close", silencedMS)
	if closeEv.Code != 4000 {
		t.Errorf("close %s, want 4000 (heartbeat timeout)", closeEv)
	}
	err = bt.WaitForErr(p, `T.socks.a.opens >= 2 && T.socks.a.ws.state === "open"`, 5*time.Second)
	ev = events(t, p, `T.socks.a.events`)
	recover := "not open within 5s"
	if err != nil {
		t.Errorf("no reconnect after the heartbeat timeout: %v%s", err, dump(ev, silencedMS))
	} else {
		o, _ := firstOf(ev, "open", closeEv.T)
		recover = fmt.Sprintf("open %dms after the close", o.T-closeEv.T)
	}
	pl := events(t, p, `T.plains.p.events`)
	t.Logf("server-driven liveness: %+v in %v idle;%s", st, idle, dump(ev, silencedMS))
	res.add(t, "server-keepalive-then-silent", plainSummary(pl, silencedMS)+": never notices",
		fmt.Sprintf("0 client messages in %v idle (keepalive 1s < interval 3s); close 4000 %dms after silence (bound %v)", idle, closeEv.T-silencedMS, bound),
		recover)
}
