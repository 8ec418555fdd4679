//go:build !js

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testHidden keeps two pages hidden for 90s in a browser with background
// throttling on (timers at most once a second, and once a minute after a
// 10s grace period):
//
//   - page A, with server keepalive every 5s: a socket with the default
//     heartbeat (25s/10s) and one with a short heartbeat (3s/2s), whose
//     pings are answered while its timers wake up late, must never be
//     declared dead, and messages must still echo;
//   - page B, whose server is silenced 15s into the hidden period, when the
//     once-a-minute throttling has set in: wsbeat must still declare the
//     connection dead, by elapsed time, within interval + timeout + the
//     throttling slack.
//
// Each page has a plain WebSocket beside it, to show what a page without
// wsbeat sees.
func testHidden(t *testing.T, b *bt.Browser, res *results) {
	const (
		hiddenFor = 90 * time.Second
		silenceAt = 15 * time.Second
		echoEvery = 10 * time.Second
		// detectBound is interval + timeout for socket b plus two
		// throttled wake-ups of a minute each (one to send or judge the
		// ping, one for the grace look the engine takes after a late
		// wake) plus a margin.
		detectBound = (3 + 2 + 2*60 + 5) * time.Second
	)
	srvA := startServer(t, echo.Config{Keepalive: 5 * time.Second}, nil)
	// Page A is served by srvA, so srvA2 must allow its origin.
	srvA2 := startServer(t, echo.Config{Keepalive: 5 * time.Second, OriginPatterns: []string{"127.0.0.1:*"}}, nil)
	srvB := startServer(t, echo.Config{Keepalive: time.Second}, nil)

	pa := openPage(t, b, srvA.URL)
	track(t, pa, "a", srvA.WSURL("/echo"), `{}`)
	track(t, pa, "a2", srvA2.WSURL("/echo"), `{heartbeatInterval: 3000, heartbeatTimeout: 2000}`)
	plain(t, pa, "p", srvA.WSURL("/echo"))
	bt.Eval[bool](t, pa, `(T.tick(), true)`)

	pb := openPage(t, b, srvB.URL)
	track(t, pb, "b", srvB.WSURL("/echo"), `{heartbeatInterval: 3000, heartbeatTimeout: 2000}`)
	plain(t, pb, "q", srvB.WSURL("/echo"))
	// The ticks only show how the page is throttled: its timers fire
	// together with the engine's, in the same throttled wake-ups.
	bt.Eval[bool](t, pb, `(T.tick(), true)`)

	pa.SetHidden(t, true)
	pb.SetHidden(t, true)
	hidden := time.Now()
	hiddenMS := nowMS()

	var silencedMS int64
	var echoes int
	var echoFails []string
	nextEcho := echoEvery
	for time.Since(hidden) < hiddenFor {
		el := time.Since(hidden)
		if silencedMS == 0 && el >= silenceAt {
			srvB.Control(t, "silence")
			silencedMS = nowMS()
		}
		if el >= nextEcho {
			nextEcho += echoEvery
			text := fmt.Sprintf("hidden %d", echoes+len(echoFails))
			if _, err := bt.EvalErr[bool](pa, fmt.Sprintf(`T.echo("a", %q, 5000)`, text), 10*time.Second); err != nil {
				echoFails = append(echoFails, fmt.Sprintf("at %v: %v", el.Round(time.Second), err))
			} else {
				echoes++
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
	elapsed := time.Since(hidden)

	// Page A: nothing may have ended.
	visA := bt.Eval[string](t, pa, `document.visibilityState`)
	gap := bt.Eval[int64](t, pa, fmt.Sprintf(`T.maxTickGap(%d)`, hiddenMS))
	gaps := bt.Eval[[]int64](t, pa, fmt.Sprintf(`T.tickGaps(%d, 1200)`, hiddenMS))
	regime := "timers woken once a second"
	if gap >= 5000 {
		regime = "intensive throttling seen"
	}
	evA := events(t, pa, `T.socks.a.events`)
	evA2 := events(t, pa, `T.socks.a2.events`)
	plainA := events(t, pa, `T.plains.p.events`)
	stA := srvA.Echo.Stats()
	pings := stA.Received - int64(echoes+len(echoFails))
	hb2 := 0
	for _, e := range evA2 {
		if e.Type == "heartbeat" && e.T >= hiddenMS {
			hb2++
		}
	}
	t.Logf("page A hidden %v: visibility %s, a chained 100ms timer fired up to %dms apart (gaps over 1.2s: %v), %d/%d echoes, %d pings from the default socket, %d answered pings on the 3s/2s socket",
		elapsed.Round(time.Second), visA, gap, gaps, echoes, echoes+len(echoFails), pings, hb2)
	if visA != "hidden" {
		t.Errorf("page A is %s, not hidden: the scenario proves nothing", visA)
	}
	if gap < 900 {
		t.Errorf("page A's timers were not throttled (longest gap %dms): the scenario proves nothing", gap)
	}
	if len(echoFails) > 0 {
		t.Errorf("messages stopped echoing on the hidden page: %v", echoFails)
	}
	for name, evs := range map[string][]event{"a (25s/10s)": evA, "a2 (3s/2s)": evA2} {
		if n := count(evs, "close") + count(evs, "error"); n > 0 {
			t.Errorf("socket %s was declared dead on a hidden page whose server is alive (keepalive 5s):%s", name, dump(evs, hiddenMS))
		}
	}
	if st := bt.Eval[string](t, pa, `T.socks.a.ws.state + "/" + T.socks.a2.ws.state`); st != "open/open" {
		t.Errorf("after %v hidden the sockets are %s, want open/open", elapsed.Round(time.Second), st)
	}
	if pings != 0 {
		t.Errorf("the default socket sent %d pings although the server's keepalive (5s) kept it busy (interval 25s)", pings)
	}
	if hb2 == 0 {
		t.Errorf("the 3s/2s socket answered no ping while hidden: the late-wake path was not exercised")
	}
	res.add(t, "hidden-90s-keepalive", plainSummary(plainA, 0),
		fmt.Sprintf("no false disconnect: 0 close events in %v hidden, %d/%d echoes, %d client pings (server keepalive 5s, heartbeat 25s/10s); %s, up to %dms apart",
			elapsed.Round(time.Second), echoes, echoes+len(echoFails), pings, regime, gap), "n/a")
	res.add(t, "hidden-90s-short-heartbeat", plainSummary(plainA, 0),
		fmt.Sprintf("no false disconnect: %d pings answered with 3s/2s heartbeat; %s, up to %dms apart", hb2, regime, gap), "n/a")

	// Page B: the silenced connection must have been declared dead.
	var closeB event
	err := bt.WaitForErr(pb, fmt.Sprintf(`T.socks.b.events.some(e => e.type === "close" && e.t >= %d)`, silencedMS),
		time.Until(time.UnixMilli(silencedMS).Add(detectBound)))
	evB := events(t, pb, `T.socks.b.events`)
	if err != nil {
		t.Fatalf("hidden page B: no close event within %v of silencing the server (heartbeat 3s/2s): %v%s", detectBound, err, dump(evB, silencedMS))
	}
	if c, ok := firstOf(evB, "close", hiddenMS); ok && c.T < silencedMS {
		t.Errorf("hidden page B closed before its server was silenced: %s", c)
	}
	closeB, _ = firstOf(evB, "close", silencedMS)
	detect := closeB.T - silencedMS
	if closeB.Code != 4000 || !closeB.WillReconnect {
		t.Errorf("hidden page B: close %s, want code 4000 (heartbeat timeout) with willReconnect", closeB)
	}
	// Recovery: still hidden, a retry timer is throttled like any other;
	// showing the page (visibilitychange) must retry at once.
	var recover string
	if o, ok := firstOf(evB, "open", closeB.T); ok {
		recover = fmt.Sprintf("reopened %dms after the close while still hidden", o.T-closeB.T)
	} else {
		pb.SetHidden(t, false)
		shown := nowMS()
		if err := bt.WaitForErr(pb, `T.socks.b.ws.state === "open"`, 5*time.Second); err != nil {
			t.Errorf("hidden page B: not open within 5s of becoming visible: %v%s", err, dump(events(t, pb, `T.socks.b.events`), shown))
		}
		evB = events(t, pb, `T.socks.b.events`)
		if o, ok := firstOf(evB, "open", shown); ok {
			recover = fmt.Sprintf("still reconnecting when shown after %v hidden; open %dms after visible", elapsed.Round(time.Second), o.T-shown)
		}
	}
	plainB := events(t, pb, `T.plains.q.events`)
	gapB := bt.Eval[int64](t, pb, fmt.Sprintf(`T.maxTickGap(%d)`, hiddenMS))
	regimeB := "timers woken once a second"
	if gapB >= 5000 {
		regimeB = "intensive throttling seen"
	}
	t.Logf("hidden page B: declared dead %dms after the silence; %s; its timers fired up to %dms apart (gaps over 1.2s: %v)%s",
		detect, recover, gapB, bt.Eval[[]int64](t, pb, fmt.Sprintf(`T.tickGaps(%d, 1200)`, hiddenMS)), dump(evB, silencedMS))
	res.add(t, "hidden-silent-server-throttled", plainSummary(plainB, silencedMS)+": never notices",
		fmt.Sprintf("close 4000 %dms after silence (heartbeat 3s/2s; page hidden 15s before the silence; %s, up to %dms apart; bound %v)", detect, regimeB, gapB, detectBound), recover)
}

// plainSummary says what a plain WebSocket's events show since from.
func plainSummary(evs []event, from int64) string {
	for _, e := range evs {
		if e.Type == "close" && e.T >= from {
			if from > 0 {
				return fmt.Sprintf("close %d after %dms, never reconnects", e.Code, e.T-from)
			}
			return fmt.Sprintf("close %d, never reconnects", e.Code)
		}
	}
	if from > 0 {
		return fmt.Sprintf("no close event, still OPEN %dms later", nowMS()-from)
	}
	return "stays open"
}
