//go:build !js

package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Page is one tab of a Browser, in its own window so that it is visible
// (not throttled) until a test hides it. It records the console while it
// lives, so a test can assert that the page logged no errors.
type Page struct {
	ctx     context.Context // Chromium: chromedp context of the tab; others: the tab's life
	browser *Browser
	tab     remoteTab // nil for Chromium

	mu      sync.Mutex
	console []string
	errors  []string
}

// NewPage opens a tab, navigates it to url and waits for the load event.
// It fails the test when the page does not load or answers with an HTTP
// error status. The tab is closed by Cleanup.
func (b *Browser) NewPage(tb testing.TB, url string) *Page {
	tb.Helper()
	if b.remote != nil {
		return b.newRemotePage(tb, url)
	}
	p := &Page{browser: b}
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithListener(p.record))
	p.ctx = ctx
	tb.Cleanup(cancel)

	// The first Run binds the tab to its context, so it runs without a
	// deadline and is bounded by within instead.
	err := b.within(DefaultTimeout, func() error {
		if b.network {
			return chromedp.Do(ctx)
		}
		// chromedp enables the Network domain on every target it attaches
		// to, and offers no option against it; disabling it again before
		// the page loads stops the per-frame WebSocket reports.
		return chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, network.Disable, cdp.Empty{})
			return err
		}))
	})
	if err != nil {
		tb.Fatalf("browsertest: opening a tab: %v", b.explain(err))
	}
	navCtx, cancelNav := context.WithTimeout(ctx, DefaultTimeout)
	defer cancelNav()
	if err := chromedp.Do(navCtx, chromedp.Navigate(url)); err != nil {
		tb.Fatalf("browsertest: loading %s: %v", url, b.explain(err))
	}

	p.checkLoaded(tb, url)
	return p
}

// checkLoaded fails the test when the page landed on a browser error page
// or its document came with an HTTP error status. Navigation fails on a
// refused connection by itself, but the drivers do not report an HTTP
// error status, so it asks the page.
func (p *Page) checkLoaded(tb testing.TB, url string) {
	tb.Helper()
	type loaded struct {
		Href   string `json:"href"`
		Status int    `json:"status"`
	}
	got := Eval[loaded](tb, p, `({href: location.href,
		status: performance.getEntriesByType("navigation")[0]?.responseStatus ?? 0})`)
	if got.Status == 0 && strings.HasPrefix(got.Href, "http") {
		// WebKit has no responseStatus: ask the server from here.
		got.Status = headStatus(got.Href)
	}
	if strings.HasPrefix(got.Href, "chrome-error:") || strings.HasPrefix(got.Href, "about:neterror") || got.Status >= 400 {
		tb.Fatalf("browsertest: loading %s: landed on %s with HTTP status %d", url, got.Href, got.Status)
	}
}

// Ctx returns the chromedp context of the tab, for actions the harness
// does not wrap. It carries no deadline; add one with context.WithTimeout.
// In Firefox and WebKit it is only the page's life: it holds no chromedp
// target, so check Browser.Engine before using it with chromedp.
func (p *Page) Ctx() context.Context { return p.ctx }

// Run runs the actions in the tab, in order, each call bounded by
// DefaultTimeout, and fails the test on the first error.
//
// chromedp actions are DevTools commands, so in Firefox and WebKit Run
// skips the test, naming Click and Type, which work in every engine.
func (p *Page) Run(tb testing.TB, actions ...chromedp.Action[chromedp.Void]) {
	tb.Helper()
	if p.tab != nil {
		tb.Skipf("browsertest: Page.Run takes chromedp actions, which need Chromium's DevTools protocol; "+
			"in %s use Page.Click and Page.Type", p.browser.engine)
	}
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		tb.Fatalf("browsertest: running actions: %v", p.browser.explain(err))
	}
}

// Screenshot writes a PNG of the whole page to path, for looking at a
// failure after the fact.
func (p *Page) Screenshot(tb testing.TB, path string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	var png []byte
	var err error
	if p.tab != nil {
		png, err = p.tab.screenshot(ctx) // the viewport: WebDriver has no full-page screenshot in all engines
	} else {
		png, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100 means PNG
	}
	if err != nil {
		tb.Fatalf("browsertest: screenshot: %v", p.browser.explain(err))
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		tb.Fatalf("browsertest: screenshot: %v", err)
	}
}

// Console returns every console line the page produced so far, as
// "level: text". Browser log entries (failed requests, WebSocket errors,
// interventions) appear as "log.source level: text".
func (p *Page) Console() []string {
	p.pullConsole()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.console...)
}

// ConsoleErrors returns what the page itself reported as an error so far:
// console.error calls, uncaught exceptions and unhandled promise
// rejections. Browser log entries are left out on purpose, because tests
// of a reconnecting client cause failed WebSocket connections that the
// browser logs as errors.
func (p *Page) ConsoleErrors() []string {
	p.pullConsole()
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// record is the tab's event listener. chromedp calls it on the goroutine
// that reads the browser's messages, so it only formats and appends.
func (p *Page) record(ev any) {
	var line string
	isError := false
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		args := make([]string, len(ev.Args))
		for i, a := range ev.Args {
			args[i] = remoteText(a)
		}
		line = fmt.Sprintf("%s: %s", ev.Type, strings.Join(args, " "))
		isError = ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert
	case *runtime.EventExceptionThrown:
		line = "exception: " + exceptionText(ev.ExceptionDetails)
		isError = true
	case *log.EventEntryAdded:
		line = fmt.Sprintf("log.%s %s: %s", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text)
		if ev.Entry.URL != "" {
			line += " (" + ev.Entry.URL + ")"
		}
	default:
		return
	}
	p.recordLine(line, isError)
}

// recordLine keeps one console line, and also as an error when isError.
func (p *Page) recordLine(line string, isError bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.console = append(p.console, line)
	if isError {
		p.errors = append(p.errors, line)
	}
}

// remoteText renders one console argument the way DevTools prints it:
// strings bare, other primitives as JSON, objects by their description.
func remoteText(o *runtime.RemoteObject) string {
	switch {
	case o.UnserializableValue != "":
		return string(o.UnserializableValue)
	case len(o.Value) > 0:
		var s string
		if json.Unmarshal(o.Value, &s) == nil {
			return s
		}
		return string(o.Value)
	case o.Description != "":
		return o.Description
	default:
		return string(o.Type)
	}
}

// exceptionText joins the exception's summary ("Uncaught" or "Uncaught (in
// promise)") with its description, which holds the message and stack.
func exceptionText(d *runtime.ExceptionDetails) string {
	if d == nil {
		return "(no details)"
	}
	if d.Exception == nil {
		return d.Text
	}
	desc := d.Exception.Description
	if desc == "" {
		desc = remoteText(d.Exception)
	}
	return d.Text + " " + desc
}

// SetHidden minimizes (true) or restores (false) the tab's window, which
// makes document.visibilityState "hidden" or "visible" as switching away
// from a real tab does. With Options.Throttling this is what lets
// Chromium throttle the page's timers.
//
// Firefox has no minimized windows over BiDi, so there a tab opened in
// front of the page hides it, as switching tabs does; WebKit minimizes
// the window over WebDriver.
func (p *Page) SetHidden(tb testing.TB, hidden bool) {
	tb.Helper()
	want := map[bool]string{true: "hidden", false: "visible"}[hidden]
	if p.tab != nil {
		ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
		defer cancel()
		if err := p.tab.setHidden(ctx, hidden); err != nil {
			tb.Fatalf("browsertest: making the page %s: %v", want, p.browser.explain(err))
		}
		WaitFor(tb, p, `document.visibilityState === "`+want+`"`, 5*time.Second)
		return
	}
	state := browser.WindowStateNormal
	if hidden {
		state = browser.WindowStateMinimized
	}
	ctx, cancel := context.WithTimeout(p.ctx, DefaultTimeout)
	defer cancel()
	c := chromedp.FromContext(p.ctx)
	win, err := cdp.Call(ctx, c.Browser, browser.GetWindowForTarget,
		browser.GetWindowForTargetParams{TargetID: c.Target.TargetID})
	if err == nil {
		_, err = cdp.Call(ctx, c.Browser, browser.SetWindowBounds, browser.SetWindowBoundsParams{
			WindowID: win.WindowID, Bounds: &browser.Bounds{WindowState: state}})
	}
	if err != nil {
		tb.Fatalf("browsertest: setting the window %s: %v", state, p.browser.explain(err))
	}
	WaitFor(tb, p, `document.visibilityState === "`+want+`"`, 5*time.Second)
}

// headStatus returns the HTTP status of a HEAD request for url, or 0 when
// there is no answer.
func headStatus(url string) int {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Head(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}
