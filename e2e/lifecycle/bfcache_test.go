//go:build !js

package lifecycle

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// bfcacheReasons records why Chromium did not restore a page from the
// back/forward cache, if it says so.
type bfcacheReasons struct {
	mu      sync.Mutex
	reasons []string
}

func listenBFCache(t *testing.T, p *bt.Page) *bfcacheReasons {
	t.Helper()
	r := &bfcacheReasons{}
	err := chromedp.Listen(p.Ctx(), func(ev any) {
		if e, ok := ev.(*page.EventBackForwardCacheNotUsed); ok {
			r.mu.Lock()
			defer r.mu.Unlock()
			for _, x := range e.NotRestoredExplanations {
				r.reasons = append(r.reasons, fmt.Sprintf("%s: %s", x.Type, x.Reason))
			}
		}
	})
	if err != nil {
		t.Fatalf("listening for back/forward cache reports: %v", err)
	}
	return r
}

func (r *bfcacheReasons) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.reasons, "; ")
}

// deadURL returns a ws: URL on 127.0.0.1 where nothing listens.
func deadURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	ln.Close()
	return "ws://" + ln.Addr().String() + "/echo"
}

// waitBetweenAttempts opens socket name to url, where nothing listens, and
// makes sure it is waiting at least 3s before its next attempt, so that the
// test can act while it is between attempts. The wait is random (full
// jitter up to a minute), so a short one is replaced by a new attempt.
func waitBetweenAttempts(t *testing.T, p *bt.Page, name, url string) {
	t.Helper()
	bt.Eval[bool](t, p, fmt.Sprintf(`T.track(%q, %q, [], {minReconnectionDelay: 60000, maxReconnectionDelay: 60000})`, name, url))
	for range 50 {
		bt.WaitFor(t, p, fmt.Sprintf(`T.socks[%q].ws.state === "reconnecting"`, name), 10*time.Second)
		delay := bt.Eval[float64](t, p, fmt.Sprintf(`T.socks[%q].events.findLast(e => e.type === "reconnecting").delay`, name))
		if delay >= 3000 {
			return
		}
		bt.Eval[bool](t, p, fmt.Sprintf(`(T.socks[%q].ws.reconnect(), true)`, name))
	}
	t.Fatalf("socket %s never waited 3s or more between attempts", name)
}

// awayAndBack navigates the tab to another page and back with
// history.back(), and reports whether the page came back from the
// back/forward cache (its JavaScript state survived).
func awayAndBack(t *testing.T, p *bt.Page, whileAway func()) bool {
	t.Helper()
	bt.Eval[bool](t, p, `(window.marker = "kept", true)`)
	bt.Eval[bool](t, p, `(location.href = location.pathname + "?away", true)`)
	bt.WaitFor(t, p, `location.search === "?away" && document.readyState === "complete"`, 10*time.Second)
	whileAway()
	bt.Eval[bool](t, p, `(history.back(), true)`)
	bt.WaitFor(t, p, `location.search === "" && document.readyState === "complete"`, 10*time.Second)
	return bt.Eval[bool](t, p, `window.marker === "kept"`)
}

// testBFCache navigates away from a page with an open wsbeat socket and
// back, in Chromium's real back/forward cache (it works in headless
// Chromium 156; no synthetic events). On pagehide with persisted the
// socket must close cleanly with 1000, which the server must see as a
// close frame, and on pageshow it must reopen. A second socket, waiting
// between attempts to a port where nothing listens, must not report a
// close (it has no connection) and must retry at once on pageshow.
func testBFCache(t *testing.T, b *bt.Browser, res *results) {
	// The test reads why a page was not cached from the DevTools event
	// Page.backForwardCacheNotUsed, which only Chromium sends.
	bt.RequireEngine(t, b, "bfcache reasons come from Chromium's Page.backForwardCacheNotUsed", bt.Chromium)
	log := &serverLog{}
	srv := startServer(t, echo.Config{}, log)
	p := openPage(t, b, srv.URL)
	reasons := listenBFCache(t, p)
	track(t, p, "a", srv.WSURL("/echo"), `{}`)
	waitBetweenAttempts(t, p, "r", deadURL(t))

	t0 := nowMS()
	var openAway int
	var awayMS int64
	restored := awayAndBack(t, p, func() {
		awayMS = nowMS()
		deadline := time.Now().Add(5 * time.Second)
		for srv.Echo.Stats().Open != 0 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		openAway = srv.Echo.Stats().Open
	})
	if !restored {
		t.Fatalf("the page was not restored from the back/forward cache (reasons: %q); the scenario proves nothing", reasons)
	}
	if err := bt.WaitForErr(p, `T.socks.a.ws.state === "open"`, 5*time.Second); err != nil {
		t.Fatalf("not open again after the page came back: %v%s", err, dump(events(t, p, `T.socks.a.events`), t0))
	}
	ev := events(t, p, `T.socks.a.events`)
	pg := events(t, p, `T.page`)
	hide, ok1 := firstOf(pg, "pagehide", t0)
	show, ok2 := firstOf(pg, "pageshow", t0)
	if !ok1 || !ok2 || !hide.Persisted || !show.Persisted {
		t.Fatalf("want pagehide and pageshow with persisted true:%s", dump(pg, t0))
	}
	closeEv, ok := firstOf(ev, "close", t0)
	if !ok || closeEv.Code != 1000 || !closeEv.WasClean || !closeEv.WillReconnect || closeEv.T > awayMS {
		t.Errorf("on pagehide: close %s (found %v), want 1000, wasClean, willReconnect, before the next page loaded", closeEv, ok)
	}
	if openAway != 0 {
		t.Errorf("the server still had %d connection(s) open while the page was in the back/forward cache", openAway)
	}
	if clean := log.grep("StatusNormalClosure"); len(clean) != 1 {
		t.Errorf("the server should have seen one close frame with 1000; its log:\n%s", log)
	}
	open, _ := firstOf(ev, "open", show.T-50)
	if n := count(ev, "open"); n != 2 {
		t.Errorf("%d open events, want 2 (first open and reopen)%s", n, dump(ev, t0))
	}
	recover := open.T - show.T
	if recover > 1000 {
		t.Errorf("open %dms after pageshow, want within 1s", recover)
	}
	t.Logf("bfcache:%s\npage:%s\nserver:\n%s", dump(ev, t0), dump(pg, t0), log)

	// The socket that was waiting between attempts has no connection to
	// close: pagehide must not report one, and pageshow must retry at once.
	rev := events(t, p, `T.socks.r.events`)
	if st := bt.Eval[string](t, p, `T.atPagehide.r`); st != "reconnecting" {
		t.Errorf("socket r was %q at pagehide, want reconnecting (the check below needs it)", st)
	}
	for _, e := range rev {
		if e.Type == "close" && e.T >= hide.T && e.T < show.T {
			t.Errorf("BUG (engine Pause): pagehide(persisted) while the socket waits between attempts dispatches a close event %s for a connection that does not exist; the failed attempt's close (1006) was already dispatched, so the page sees two close events for one attempt. Pause should emit close only when a connection or attempt was in flight (state open, connecting or closing), not in reconnecting", e)
		}
	}
	retried := false
	for _, e := range rev {
		if (e.Type == "close" || e.Type == "open") && e.T >= show.T-50 && e.T <= show.T+1000 {
			retried = true
		}
	}
	if !retried {
		t.Errorf("socket r: no attempt within 1s of pageshow (its backoff wait was 3s or more); pageshow should retry at once:%s", dump(rev, t0))
	}

	// A plain WebSocket in the same situation, on its own server.
	plog := &serverLog{}
	psrv := startServer(t, echo.Config{}, plog)
	pp := openPage(t, b, psrv.URL)
	preasons := listenBFCache(t, pp)
	plain(t, pp, "p", psrv.WSURL("/echo"))
	pt0 := nowMS()
	var plainOpenAway int
	prestored := awayAndBack(t, pp, func() {
		time.Sleep(300 * time.Millisecond)
		plainOpenAway = psrv.Echo.Stats().Open
	})
	time.Sleep(300 * time.Millisecond)
	pl := events(t, pp, `T.plains.p.events`)
	ppg := events(t, pp, `T.page`)
	pshow, _ := firstOf(ppg, "pageshow", pt0)
	plainText := fmt.Sprintf("restored=%v (reasons %q); kept open while cached (server saw %d open); ", prestored, preasons, plainOpenAway)
	if c, ok := firstOf(pl, "close", pt0); ok {
		plainText += fmt.Sprintf("close %d %dms after pageshow, never reconnects", c.Code, c.T-pshow.T)
	} else {
		plainText += fmt.Sprintf("no close event; readyState %d", bt.Eval[int](t, pp, `T.plains.p.ws.readyState`))
	}
	t.Logf("plain WebSocket in the bfcache: %s\npage:%s\nserver:\n%s", plainText, dump(ppg, pt0), plog)
	res.add(t, "bfcache-real-navigation", plainText,
		fmt.Sprintf("close 1000 (wasClean) on pagehide(persisted), server saw a close frame 1000; %d open while cached", openAway),
		fmt.Sprintf("open %dms after pageshow(persisted)", recover))
}
