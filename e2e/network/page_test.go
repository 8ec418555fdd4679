//go:build !js

package network

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/e2e/internal/hostile"
	"github.com/wsbeat/wsbeat/server/echo"
)

// pagePath is the page every scenario runs in, served from the repo root.
const pagePath = "/e2e/network/testdata/faults.html"

// anyLocalOrigin lets pages served from one 127.0.0.1 port open WebSockets
// to servers and proxies on other ports.
var anyLocalOrigin = []string{"127.0.0.1:*"}

// env is what every scenario shares: one browser, the server of the page
// (also an echo server at /echo), and the hostile server.
type env struct {
	b       *browsertest.Browser
	pages   *browsertest.Server
	hostile *hostile.Server
}

func newEnv(t *testing.T) *env {
	t.Helper()
	root := browsertest.RepoRoot(t)
	if _, err := os.Stat(filepath.Join(root, "dist", "wsbeat.wasm")); err != nil {
		t.Fatalf("dist/wsbeat.wasm is missing: run `make build` first (%v)", err)
	}
	return &env{
		pages:   browsertest.StartServer(t, echo.Config{OriginPatterns: anyLocalOrigin}),
		hostile: hostile.Start(t),
		b:       browsertest.NewBrowser(t, &browsertest.Options{Timeout: 8 * time.Minute}),
	}
}

// echoAddr is the host:port of the page server's echo.
func (e *env) echoAddr() string { return e.pages.Listener.Addr().String() }

// page is one tab running faults.html.
type page struct {
	*browsertest.Page
	t *testing.T
}

// open loads faults.html in a new tab and waits for the engine. When the
// test ends, it fails the test if the page saw an exception.
func (e *env) open(t *testing.T) *page {
	t.Helper()
	p := &page{Page: e.b.NewPage(t, e.pages.URL+pagePath), t: t}
	if !browsertest.Eval[bool](t, p.Page, `WSBeat.ready.then(() => true)`) {
		t.Fatal("WSBeat.ready did not resolve")
	}
	t.Cleanup(p.checkClean)
	return p
}

// checkClean fails the test if the page logged an error or saw an
// uncaught exception or unhandled rejection.
func (p *page) checkClean() {
	p.t.Helper()
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		p.t.Errorf("the page logged errors:\n%s", strings.Join(errs, "\n"))
	}
	errs, err := browsertest.EvalErr[[]string](p.Page, `T.errors`, 5*time.Second)
	if err != nil {
		p.t.Errorf("reading the page's errors: %v", err)
	} else if len(errs) > 0 {
		p.t.Errorf("the page saw exceptions:\n%s", strings.Join(errs, "\n"))
	}
}

// js renders a call of fn with args as JSON.
func js(fn string, args ...any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			panic(err)
		}
		parts[i] = string(b)
	}
	return fn + "(" + strings.Join(parts, ", ") + ")"
}

// call evaluates fn(args...) in the page.
func (p *page) call(fn string, args ...any) {
	p.t.Helper()
	browsertest.Eval[any](p.t, p.Page, js(fn, args...))
}

// eval evaluates expr and decodes its result into T.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	return browsertest.Eval[T](p.t, p.Page, expr)
}

// now returns the page's performance.now(), the clock of every record.
func (p *page) now() float64 {
	p.t.Helper()
	return eval[float64](p, `performance.now()`)
}

// wsbeat makes a WSBeat.Socket called name. url is a string, or a list
// whose n-th entry is used for the n-th attempt (the last one after that).
func (p *page) wsbeat(name string, url any, protocols []string, opts map[string]any) {
	p.t.Helper()
	p.call("T.wsbeat", name, url, protocols, opts)
}

// plain makes a browser WebSocket called name.
func (p *page) plain(name, url string, protocols []string) {
	p.t.Helper()
	p.call("T.plain", name, url, protocols)
}

// event is one record of T.ev.
type event struct {
	Type          string  `json:"type"`
	T             float64 `json:"t"`
	Code          int     `json:"code"`
	Reason        string  `json:"reason"`
	WasClean      bool    `json:"wasClean"`
	WillReconnect bool    `json:"willReconnect"`
	Attempt       int     `json:"attempt"`
	Delay         float64 `json:"delay"`
	RTT           float64 `json:"rtt"`
	RetryCount    int     `json:"retryCount"`
	State         string  `json:"state"`
	Len           int     `json:"len"`
	Error         string  `json:"error"`
	Count         int     `json:"count"`
}

func (e event) String() string {
	switch e.Type {
	case "close":
		return fmt.Sprintf("close@%.0f{%d %q clean=%v willReconnect=%v}", e.T, e.Code, e.Reason, e.WasClean, e.WillReconnect)
	case "reconnecting":
		return fmt.Sprintf("reconnecting@%.0f{attempt=%d delay=%.0f}", e.T, e.Attempt, e.Delay)
	case "open":
		return fmt.Sprintf("open@%.0f{retryCount=%d}", e.T, e.RetryCount)
	case "error":
		return fmt.Sprintf("error@%.0f{%s}", e.T, e.Error)
	case "statechange":
		return fmt.Sprintf("state@%.0f{%s}", e.T, e.State)
	}
	return fmt.Sprintf("%s@%.0f", e.Type, e.T)
}

// events returns the records of name, of type typ ("" for all).
func (p *page) events(name, typ string) []event {
	p.t.Helper()
	return eval[[]event](p, js("T.events", name, typ))
}

// attempt is one browser WebSocket of T.native; times are -1 until the
// event happened.
type attempt struct {
	URL      string  `json:"url"`
	T        float64 `json:"t"`
	Open     float64 `json:"open"`
	Error    float64 `json:"error"`
	Close    float64 `json:"close"`
	Code     int     `json:"code"`
	Reason   string  `json:"reason"`
	WasClean bool    `json:"wasClean"`
}

// attempts returns the browser WebSockets whose URL contains part.
func (p *page) attempts(part string) []attempt {
	p.t.Helper()
	return eval[[]attempt](p, js("T.attempts", part))
}

// waitEvents waits until name has at least n records of typ and returns
// them; it fails the test with all of name's records when timeout passes.
func (p *page) waitEvents(name, typ string, n int, timeout time.Duration) []event {
	p.t.Helper()
	cond := fmt.Sprintf(`T.count(%q, %q) >= %d`, name, typ, n)
	if err := browsertest.WaitForErr(p.Page, cond, timeout); err != nil {
		p.t.Fatalf("%v\nevents of %s: %v", err, name, p.events(name, ""))
	}
	return p.events(name, typ)
}

// waitFor waits for a JavaScript condition.
func (p *page) waitFor(cond string, timeout time.Duration) {
	p.t.Helper()
	browsertest.WaitFor(p.t, p.Page, cond, timeout)
}

// sleep waits d in Go, for observation windows.
func sleep(d time.Duration) { time.Sleep(d) }

// after returns the events of evs at or after time t.
func after(evs []event, t float64) []event {
	var out []event
	for _, e := range evs {
		if e.T >= t {
			out = append(out, e)
		}
	}
	return out
}

// only returns the events of evs of type typ.
func only(evs []event, typ string) []event {
	var out []event
	for _, e := range evs {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	return out
}

// backoff is a socket's reconnect options, for checking its schedule.
type backoff struct {
	min, max, grow float64
}

func (b backoff) opts() map[string]any {
	return map[string]any{"minReconnectionDelay": b.min, "maxReconnectionDelay": b.max, "reconnectionDelayGrowFactor": b.grow}
}

// window is the full-jitter window of retry attempt n (1-based, as the
// reconnecting event counts): min(max, min·grow^(n-1)).
func (b backoff) window(n int) float64 {
	return math.Min(b.max, b.min*math.Pow(b.grow, float64(n-1)))
}

// checkSchedule asserts that name's retries are bounded: every
// reconnecting event's attempt is one more than the last one's (the retry
// count does not reset while the server keeps failing), its delay lies in
// the full-jitter window, and every close before a retry said
// willReconnect.
func checkSchedule(t *testing.T, evs []event, b backoff) {
	t.Helper()
	last := 0
	for _, e := range only(evs, "reconnecting") {
		if e.Attempt != last+1 {
			t.Errorf("reconnecting attempt %d after attempt %d: the retry count must grow by one per failure\nevents: %v", e.Attempt, last, evs)
		}
		last = e.Attempt
		if w := b.window(e.Attempt); e.Delay < 0 || e.Delay > w+1 {
			t.Errorf("attempt %d waits %.0f ms, outside the backoff window [0, %.0f]", e.Attempt, e.Delay, w)
		}
	}
	closes := only(evs, "close")
	for i, c := range closes {
		if i < len(closes)-1 && !c.WillReconnect {
			t.Errorf("close %d of %d has willReconnect false but was followed by more: %v", i+1, len(closes), evs)
		}
	}
}

// ms formats milliseconds as seconds for RESULT lines.
func ms(v float64) string {
	if math.IsNaN(v) || v < 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fs", v/1000)
}

// result logs the scenario's RESULT line.
func result(t *testing.T, scenario, plain, wsbeat string, detect, recover float64, extra ...string) {
	t.Helper()
	line := fmt.Sprintf("RESULT scenario=%s plain=%q wsbeat=%q detect=%s recover=%s", scenario, plain, wsbeat, ms(detect), ms(recover))
	if len(extra) > 0 {
		line += " " + strings.Join(extra, " ")
	}
	t.Log(line)
}

// closeSummary describes the close events of evs, such as "1006×3".
func closeSummary(evs []event) string {
	counts := map[int]int{}
	var codes []int
	for _, c := range only(evs, "close") {
		if counts[c.Code] == 0 {
			codes = append(codes, c.Code)
		}
		counts[c.Code]++
	}
	if len(codes) == 0 {
		return "no close"
	}
	slices.Sort(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, counts[c])
	}
	return "close " + strings.Join(parts, ",")
}

// plainSummary describes what a plain WebSocket's records from t0 on
// show, with times relative to t0.
func plainSummary(evs []event, t0 float64) string {
	var parts []string
	for _, e := range after(evs, t0) {
		switch e.Type {
		case "open":
			parts = append(parts, fmt.Sprintf("open at %s", ms(e.T-t0)))
		case "error":
			parts = append(parts, fmt.Sprintf("error at %s", ms(e.T-t0)))
		case "close":
			parts = append(parts, fmt.Sprintf("close %d clean=%v at %s", e.Code, e.WasClean, ms(e.T-t0)))
		}
	}
	if len(parts) == 0 {
		return "no event"
	}
	return strings.Join(parts, ", ")
}

// waitForErr is waitFor that returns an error instead of failing, for a
// condition that may rightly stay false.
func (p *page) waitForErr(cond string, timeout time.Duration) error {
	return browsertest.WaitForErr(p.Page, cond, timeout)
}
