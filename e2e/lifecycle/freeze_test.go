//go:build !js

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testFreezeResume freezes a page for 3s, as Chromium does to background
// tabs, and makes it active again. Chromium fails the frozen page's
// WebSockets with 1006 when it resumes (the server still sees them open
// during the freeze); wsbeat must be open again within one backoff step of
// the resume event.
func testFreezeResume(t *testing.T, b *bt.Browser, res *results) {
	// Freezing a page (Page.setWebLifecycleState) is a DevTools command;
	// WebDriver offers nothing like it. The other engines' hidden-tab and
	// dead-link cases (Hidden, HiddenShortSilentServer, the network suite)
	// cover what a frozen page comes back to.
	bt.RequireEngine(t, b, "freezing a page needs Chromium's Page.setWebLifecycleState", bt.Chromium)
	const (
		frozenFor = 3 * time.Second
		// oneStep is minReconnectionDelay, the first backoff window, plus
		// a margin for a noisy machine. The first retry after an open
		// connection is immediate, so this is generous.
		oneStep = 500*time.Millisecond + time.Second
	)
	log := &serverLog{}
	srv := startServer(t, echo.Config{}, log)
	p := openPage(t, b, srv.URL)
	track(t, p, "a", srv.WSURL("/echo"), `{heartbeatInterval: 3000, heartbeatTimeout: 2000}`)
	plain(t, p, "p", srv.WSURL("/echo"))

	frozenMS := nowMS()
	setLifecycle(t, p, page.SetWebLifecycleStateStateFrozen)
	time.Sleep(frozenFor)
	openDuring := srv.Echo.Stats().Open
	setLifecycle(t, p, page.SetWebLifecycleStateStateActive)
	if err := bt.WaitForErr(p, `T.socks.a.opens >= 2 && T.socks.a.ws.state === "open"`, 10*time.Second); err != nil {
		t.Fatalf("not open again after the freeze: %v%s", err, dump(events(t, p, `T.socks.a.events`), frozenMS))
	}
	ev := events(t, p, `T.socks.a.events`)
	pg := events(t, p, `T.page`)
	resume, ok := firstOf(pg, "resume", frozenMS)
	if !ok {
		t.Fatalf("the page saw no resume event after the freeze:%s", dump(pg, frozenMS))
	}
	if _, ok := firstOf(pg, "freeze", frozenMS); !ok {
		t.Errorf("the page saw no freeze event:%s", dump(pg, frozenMS))
	}
	closeEv, ok := firstOf(ev, "close", frozenMS)
	if !ok {
		t.Fatalf("no close event for the frozen connection:%s", dump(ev, frozenMS))
	}
	if closeEv.Code != 1006 || !closeEv.WillReconnect {
		t.Errorf("close after the freeze: %s, want 1006 with willReconnect", closeEv)
	}
	if r, ok := firstOf(ev, "reconnecting", closeEv.T); !ok || r.Delay > 500 {
		t.Errorf("retry after the freeze: %v (found %v), want a delay within one backoff step (500ms)", r, ok)
	}
	open, _ := firstOf(ev, "open", closeEv.T)
	recover := open.T - resume.T
	if time.Duration(recover)*time.Millisecond > oneStep {
		t.Errorf("open %dms after the resume event, want within %v%s", recover, oneStep, dump(ev, frozenMS))
	}
	pl := events(t, p, `T.plains.p.events`)
	t.Logf("frozen %v: server saw %d connections open during the freeze; page events:%s\nwsbeat:%s\nplain:%s\nserver:\n%s",
		frozenFor, openDuring, dump(pg, frozenMS), dump(ev, frozenMS), dump(pl, frozenMS), log)
	res.add(t, "freeze-3s-resume", plainSummary(pl, resume.T)+" (after resume)",
		fmt.Sprintf("close 1006 %dms after the resume event (the browser fails frozen sockets on resume; server saw %d still open during the freeze)", closeEv.T-resume.T, openDuring),
		fmt.Sprintf("open %dms after resume (retry delay %v)", recover, firstDelay(ev, closeEv.T)))
}

// firstDelay is the delay of the first reconnecting event from t on.
func firstDelay(ev []event, from int64) string {
	if r, ok := firstOf(ev, "reconnecting", from); ok {
		return fmt.Sprintf("%.0fms", r.Delay)
	}
	return "none"
}

// testHiddenShortSilentServer silences the server of a page that has been
// hidden for a second, before the once-a-minute throttling starts: with
// timers woken once a second, wsbeat must declare the connection dead by
// elapsed time within interval + timeout + the throttling slack, and the
// plain WebSocket beside it never notices.
func testHiddenShortSilentServer(t *testing.T, b *bt.Browser, res *results) {
	// bound: heartbeat 2s + 2s, up to 1s late for each of the two timers
	// (ping, judgement), and a margin for a noisy machine; all within the
	// 10s grace before intensive throttling (silence at 0.5s + 8.5s).
	const bound = (2+2+2)*time.Second + 2500*time.Millisecond
	srv := startServer(t, echo.Config{Keepalive: time.Second}, nil)
	p := openPage(t, b, srv.URL)
	track(t, p, "a", srv.WSURL("/echo"), `{heartbeatInterval: 2000, heartbeatTimeout: 2000}`)
	plain(t, p, "p", srv.WSURL("/echo"))
	p.SetHidden(t, true)
	hiddenMS := nowMS()
	time.Sleep(500 * time.Millisecond)
	srv.Control(t, "silence")
	silencedMS := nowMS()
	err := bt.WaitForErr(p, fmt.Sprintf(`T.socks.a.events.some(e => e.type === "close" && e.t >= %d)`, silencedMS), bound)
	ev := events(t, p, `T.socks.a.events`)
	if err != nil {
		t.Fatalf("hidden page: silenced connection not declared dead within %v: %v%s", bound, err, dump(ev, silencedMS))
	}
	closeEv, _ := firstOf(ev, "close", hiddenMS)
	if closeEv.T < silencedMS || closeEv.Code != 4000 {
		t.Errorf("hidden page: close %s, want code 4000 after the silence", closeEv)
	}
	if vis := bt.Eval[string](t, p, `document.visibilityState`); vis != "hidden" {
		t.Errorf("the page is %s, not hidden: the scenario proves nothing", vis)
	}
	err = bt.WaitForErr(p, `T.socks.a.opens >= 2 && T.socks.a.ws.state === "open"`, 5*time.Second)
	ev = events(t, p, `T.socks.a.events`)
	recover := "not open within 5s while hidden"
	if err == nil {
		o, _ := firstOf(ev, "open", closeEv.T)
		recover = fmt.Sprintf("open %dms after the close, still hidden", o.T-closeEv.T)
	} else {
		t.Errorf("hidden page: no reconnect within 5s of the heartbeat timeout: %v%s", err, dump(ev, silencedMS))
	}
	p.SetHidden(t, false)
	pl := events(t, p, `T.plains.p.events`)
	t.Logf("hidden %dms before the silence; wsbeat:%s", silencedMS-hiddenMS, dump(ev, silencedMS))
	res.add(t, "hidden-silent-server-short", plainSummary(pl, silencedMS)+": never notices",
		fmt.Sprintf("close 4000 %dms after silence (heartbeat 2s/2s, hidden 0.5s, timers woken once a second; bound %v)", closeEv.T-silencedMS, bound),
		recover)
}
