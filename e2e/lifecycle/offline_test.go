//go:build !js

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// setOffline switches the page's network emulation. What Chromium 156
// does with it, measured:
//
//   - navigator.onLine and the offline/online events follow
//     Network.overrideNetworkState, which changes nothing else;
//   - a global offline rule of Network.emulateNetworkConditionsByRule, while
//     the Network domain is enabled, makes new connections (WebSocket
//     handshakes, fetch) fail at once, and pauses WebSockets that were opened
//     while the domain was enabled, in both directions, without a close
//     event; the held traffic is delivered when the rule goes. WebSockets
//     opened before the domain was enabled are not affected at all.
//
// So an open socket sees a dead network only if it was opened after
// network.Enable. The rule changes first, so the events never announce a
// state the network is not in yet.
func setOffline(t *testing.T, p *bt.Page, offline bool) {
	t.Helper()
	rule := func() {
		conds := []*network.Conditions{}
		if offline {
			conds = append(conds, &network.Conditions{Offline: true, DownloadThroughput: -1, UploadThroughput: -1})
		}
		cdpCall(t, p, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: conds})
	}
	rule()
	setOnLine(t, p, !offline)
}

// setOnLine changes only what the browser believes: navigator.onLine and
// the offline/online events.
func setOnLine(t *testing.T, p *bt.Page, online bool) {
	t.Helper()
	cdpCall(t, p, network.OverrideNetworkState, network.OverrideNetworkStateParams{Offline: !online, DownloadThroughput: -1, UploadThroughput: -1})
}

// testOffline goes offline twice. First the browser only says so while
// the connection still works (navigator.onLine lies): wsbeat probes at
// once, the probe is answered, and nothing closes. Then the network goes
// for real: wsbeat must report the loss within heartbeatTimeout of the
// offline event (its heartbeat interval is 25s, so only the offline
// event's probe can find it that fast), wait for the maximum delay rather
// than retry in vain while offline, and be open again within a second of
// the online event.
func testOffline(t *testing.T, b *bt.Browser, res *results) {
	// Going offline needs DevTools network emulation: WebDriver classic
	// has none, and the harness drives no BiDi offline emulation. The network suite's drop, restart and toxiproxy cases cover
	// the dead link in every engine.
	bt.RequireEngine(t, b, "offline/online needs Chromium's network emulation", bt.Chromium)
	const (
		timeout  = 3 * time.Second
		margin   = time.Second
		offlineA = 4 * time.Second // longer than the timeout: no false alarm
		deadFor  = 2 * time.Second // offline after the loss was reported
	)
	srv := startServer(t, echo.Config{}, nil)
	p := openPage(t, b, srv.URL)
	// Offline emulation only reaches sockets opened after this; it costs
	// WebSocket speed, which this test does not need.
	cdpCall(t, p, network.Enable, network.EnableParams{})
	track(t, p, "a", srv.WSURL("/echo"), fmt.Sprintf(`{heartbeatTimeout: %d}`, timeout.Milliseconds()))
	plain(t, p, "p", srv.WSURL("/echo"))

	// 1. The browser says offline, but the connection works.
	t1 := nowMS()
	setOnLine(t, p, false)
	if err := bt.WaitForErr(p, fmt.Sprintf(`T.socks.a.events.some(e => e.type === "heartbeat" && e.t >= %d)`, t1), 2*time.Second); err != nil {
		t.Errorf("offline event: no probe answered within 2s (wsbeat should ping at once): %v", err)
	}
	time.Sleep(offlineA)
	ev := events(t, p, `T.socks.a.events`)
	pg := events(t, p, `T.page`)
	off1, ok := firstOf(pg, "offline", t1)
	if !ok {
		t.Fatalf("no offline event in the page:%s", dump(pg, t1))
	}
	hb, _ := firstOf(ev, "heartbeat", t1)
	if c, ok := firstOf(ev, "close", t1); ok {
		t.Errorf("offline while the connection works: wsbeat closed it (%s); navigator.onLine lies, and the probe should have been answered", c)
	}
	setOnLine(t, p, true)
	time.Sleep(200 * time.Millisecond)
	pl := events(t, p, `T.plains.p.events`)
	res.add(t, "offline-event-link-alive", plainSummary(pl, off1.T)+" (correct: the link works)",
		fmt.Sprintf("probe answered %dms after the offline event (rtt %.1fms); no close in %v offline", hb.T-off1.T, hb.RTT, offlineA), "n/a (stayed open)")

	// 2. Offline for real.
	t2 := nowMS()
	plainIn := bt.Eval[int](t, p, `T.plains.p.messages`)
	setOffline(t, p, true)
	bt.Eval[bool](t, p, `(T.plains.p.ws.send("plain while offline"), true)`)
	err := bt.WaitForErr(p, fmt.Sprintf(`T.socks.a.events.some(e => e.type === "close" && e.t >= %d)`, t2), timeout+margin+time.Second)
	ev = events(t, p, `T.socks.a.events`)
	pg = events(t, p, `T.page`)
	if err != nil {
		t.Fatalf("offline: no close within %v: %v%s", timeout+margin+time.Second, err, dump(ev, t2))
	}
	off2, _ := firstOf(pg, "offline", t2)
	closeEv, _ := firstOf(ev, "close", t2)
	detect := closeEv.T - off2.T
	if closeEv.Code != 4000 || time.Duration(detect)*time.Millisecond > timeout+margin {
		t.Errorf("offline: %s %dms after the offline event, want code 4000 within heartbeatTimeout %v (+%v)", closeEv, detect, timeout, margin)
	}
	time.Sleep(deadFor)
	ev = events(t, p, `T.socks.a.events`)
	wait, _ := firstOf(ev, "reconnecting", closeEv.T)
	if wait.Delay < 10000 {
		t.Errorf("offline: the retry after the loss waits %.0fms; while offline it should wait maxReconnectionDelay (10000ms)", wait.Delay)
	}
	if st := bt.Eval[string](t, p, `T.socks.a.ws.state`); st == "open" {
		t.Errorf("open while offline: the emulation did not block the new connection, so the online check proves nothing")
	}
	plainDuring := bt.Eval[int](t, p, `T.plains.p.messages`) - plainIn
	t3 := nowMS()
	setOffline(t, p, false)
	err = bt.WaitForErr(p, `T.socks.a.ws.state === "open"`, 5*time.Second)
	ev = events(t, p, `T.socks.a.events`)
	pg = events(t, p, `T.page`)
	if err != nil {
		t.Fatalf("not open within 5s of going online: %v%s", err, dump(ev, t2))
	}
	on, _ := firstOf(pg, "online", t3)
	open, _ := firstOf(ev, "open", t3)
	recover := open.T - on.T
	if recover > 1000 {
		t.Errorf("open %dms after the online event, want within 1s%s", recover, dump(ev, t2))
	}
	// The plain socket was paused, not closed: the held echo arrives now.
	plainAfter := "its held echo did not arrive within 2s of online"
	if bt.WaitForErr(p, fmt.Sprintf(`T.plains.p.messages > %d`, plainIn), 2*time.Second) == nil {
		plainAfter = "traffic resumed after online (held echo delivered)"
	}
	pl = events(t, p, `T.plains.p.events`)
	t.Logf("offline for real:%s\npage:%s", dump(ev, t2), dump(pg, t2))
	res.add(t, "offline-for-real", fmt.Sprintf("paused without any event (%d messages in while offline), %s; %s", plainDuring, plainSummary(pl, off2.T), plainAfter),
		fmt.Sprintf("close 4000 %dms after the offline event (heartbeatTimeout %v, interval 25s: the offline event probes at once)", detect, timeout),
		fmt.Sprintf("waited %.0fms (maxReconnectionDelay) while offline; open %dms after the online event", wait.Delay, recover))
}
