//go:build !js

package lifecycle

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// pagePath is the test page, served from the repository root.
const pagePath = "/e2e/lifecycle/testdata/lifecycle.html"

// browserLife bounds each of the package's browsers: the longest scenario
// runs about 95s, and the rest run beside it.
const browserLife = 5 * time.Minute

// TestLifecycle runs every scenario. The hidden-page scenarios need 90s of
// real time, so they run in one parallel group in a browser with
// background throttling on, while the others run one after another beside
// them; two groups fit the default -parallel of a 2-core machine.
func TestLifecycle(t *testing.T) {
	throttled := bt.NewBrowser(t, &bt.Options{Throttling: true, Timeout: browserLife})
	normal := bt.NewBrowser(t, &bt.Options{Timeout: browserLife})
	res := &results{}
	t.Cleanup(func() { res.summary(t) })

	t.Run("Hidden", func(t *testing.T) {
		t.Parallel()
		testHidden(t, throttled, res)
	})
	t.Run("Sequence", func(t *testing.T) {
		t.Parallel()
		t.Run("FreezeResume", func(t *testing.T) { testFreezeResume(t, throttled, res) })
		t.Run("HiddenShortSilentServer", func(t *testing.T) { testHiddenShortSilentServer(t, throttled, res) })
		t.Run("Offline", func(t *testing.T) { testOffline(t, normal, res) })
		t.Run("BFCache", func(t *testing.T) { testBFCache(t, normal, res) })
		t.Run("ServerDrivenLiveness", func(t *testing.T) { testServerDrivenLiveness(t, normal, res) })
		t.Run("Data", func(t *testing.T) { testData(t, normal, res) })
		t.Run("Churn", func(t *testing.T) { testChurn(t, normal, res) })
		t.Run("LoggingHygiene", func(t *testing.T) { testLoggingHygiene(t, normal, res) })
	})
}

// results collects the RESULT lines of all scenarios for one summary.
type results struct {
	mu    sync.Mutex
	lines []string
}

// add logs one scenario's result line and keeps it for the summary.
func (r *results) add(t *testing.T, scenario, plain, detect, recover string) {
	t.Helper()
	line := fmt.Sprintf("RESULT scenario=%s plain=%q wsbeat_detect=%q wsbeat_recover=%q", scenario, plain, detect, recover)
	t.Log(line)
	r.mu.Lock()
	r.lines = append(r.lines, line)
	r.mu.Unlock()
}

func (r *results) summary(t *testing.T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	slices.Sort(r.lines)
	t.Logf("%d results:\n%s", len(r.lines), strings.Join(r.lines, "\n"))
}

// event is one record of the page's T: a socket event (track, plain) or a
// page lifecycle event, with its wall-clock time in Unix milliseconds.
type event struct {
	Type          string  `json:"type"`
	T             int64   `json:"t"`
	State         string  `json:"state"`
	Code          int     `json:"code"`
	Reason        string  `json:"reason"`
	WasClean      bool    `json:"wasClean"`
	WillReconnect bool    `json:"willReconnect"`
	Attempt       int     `json:"attempt"`
	Delay         float64 `json:"delay"`
	RTT           float64 `json:"rtt"`
	N             int     `json:"n"`
	To            string  `json:"to"`
	From          string  `json:"from"`
	Message       string  `json:"message"`
	Persisted     bool    `json:"persisted"`
	Visibility    string  `json:"visibility"`
	OnLine        bool    `json:"onLine"`
}

func (e event) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}

// events returns the records of expr, an array of T (such as
// T.socks.a.events or T.page).
func events(t *testing.T, p *bt.Page, expr string) []event {
	t.Helper()
	return bt.Eval[[]event](t, p, expr)
}

// firstOf returns the first event of type typ at or after from (Unix ms).
func firstOf(evs []event, typ string, from int64) (event, bool) {
	for _, e := range evs {
		if e.Type == typ && e.T >= from {
			return e, true
		}
	}
	return event{}, false
}

// count returns how many events of type typ there are.
func count(evs []event, typ string) int {
	n := 0
	for _, e := range evs {
		if e.Type == typ {
			n++
		}
	}
	return n
}

// dump renders events relative to t0, for failure messages.
func dump(evs []event, t0 int64) string {
	var b strings.Builder
	for _, e := range evs {
		e.T -= t0
		b.WriteString("\n\t")
		b.WriteString(e.String())
	}
	return b.String()
}

// openPage loads the test page from base and waits for the engine. The
// test fails if the page reports an error (an uncaught exception, an
// unhandled rejection, console.error) while it lives.
func openPage(t *testing.T, b *bt.Browser, base string) *bt.Page {
	t.Helper()
	p := b.NewPage(t, base+pagePath)
	// Registered after NewPage's, so it runs while the page still lives.
	t.Cleanup(func() {
		if errs := p.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("the page reported errors:\n\t%s", strings.Join(errs, "\n\t"))
		}
	})
	bt.Eval[bool](t, p, `WSBeat.ready.then(() => true)`)
	return p
}

// track opens a wsbeat socket named name in the page with the options
// object opts (JavaScript source) and waits until it is open.
func track(t *testing.T, p *bt.Page, name, url, opts string) {
	t.Helper()
	bt.Eval[bool](t, p, fmt.Sprintf(`T.track(%q, %q, [], %s)`, name, url, opts))
	bt.Eval[bool](t, p, fmt.Sprintf(`T.opened(%q, 10000)`, name))
}

// plain opens a plain browser WebSocket named name and waits until it is
// open.
func plain(t *testing.T, p *bt.Page, name, url string) {
	t.Helper()
	bt.Eval[bool](t, p, fmt.Sprintf(`T.plain(%q, %q)`, name, url))
}

// nowMS is the wall clock in the page's unit.
func nowMS() int64 { return time.Now().UnixMilli() }

// cdpCall runs one DevTools command on the page's target.
func cdpCall[P, R any](t *testing.T, p *bt.Page, c cdp.Command[P, R], params P) R {
	t.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 10*time.Second)
	defer cancel()
	r, err := cdp.Call(ctx, chromedp.FromContext(p.Ctx()).Target, c, params)
	if err != nil {
		t.Fatalf("%s: %v", c.Method, err)
	}
	return r
}

// setLifecycle freezes the page or makes it active again, as Chromium
// does to background tabs.
func setLifecycle(t *testing.T, p *bt.Page, state page.SetWebLifecycleStateState) {
	t.Helper()
	cdpCall(t, p, page.SetWebLifecycleState, page.SetWebLifecycleStateParams{State: state})
}

// serverLog collects an echo server's log lines.
type serverLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *serverLog) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *serverLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// grep returns the lines that contain s.
func (l *serverLog) grep(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, line := range l.lines {
		if strings.Contains(line, s) {
			out = append(out, line)
		}
	}
	return out
}

// startServer starts an echo server for one scenario, logging into log
// when it is not nil.
func startServer(t *testing.T, cfg echo.Config, log *serverLog) *bt.Server {
	t.Helper()
	if log != nil {
		cfg.Logf = log.logf
	}
	return bt.StartServer(t, cfg)
}

// ms formats milliseconds for result lines.
func ms(v int64) string { return fmt.Sprintf("%dms", v) }
