//go:build !js

// Package browsertest runs wsbeat's browser tests in a real browser: a
// headless Chromium driven by chromedp, a headless Firefox ESR driven over
// WebDriver BiDi, or WebKitGTK's MiniBrowser driven by WebKitWebDriver on
// a virtual display. $WSBEAT_BROWSER picks one per test process (see
// [EngineEnv]); the suites are written once against [Page] and run in each.
//
// It exists so that every browser test starts its browser the same way: the
// Debian binary, no sandbox (tests run as root), no network but 127.0.0.1,
// a fresh profile, and every wait bounded. Two defaults differ from
// chromedp's on purpose:
//
//   - The DevTools Network domain is switched off on each page, because while
//     it is on Chromium reports every WebSocket frame to the driver, which
//     cut WebSocket throughput three times in our measurement (2000 echoes
//     of 16 KB: 0.37s off, 1.18s on). See [Options.NetworkEvents].
//   - Background timer throttling can be switched back on, because chromedp
//     turns it off and the reconnect logic must survive a throttled tab. See
//     [Options.Throttling].
//
// Defaults:
//
//	Options.Throttling     false (timers in hidden tabs run at full speed)
//	Options.NetworkEvents  false (Network domain disabled on every page)
//	Options.Timeout        2m    (the whole browser, then it is killed)
//	Eval, Run              30s   (each call)
package browsertest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// DefaultTimeout bounds one Eval or Run call, so that a page that never
// answers fails the test with the expression instead of hanging it.
const DefaultTimeout = 30 * time.Second

// defaultBrowserTimeout bounds the life of one browser when
// Options.Timeout is zero.
const defaultBrowserTimeout = 2 * time.Minute

// debianChromium is where Debian's chromium package puts its launcher.
const debianChromium = "/usr/bin/chromium"

// mainModule is the first line of the repository root's go.mod. The
// suites live in the nested module e2e/, whose go.mod must be passed by.
const mainModule = "module github.com/wsbeat/wsbeat\n"

// RepoRoot returns the repository root: the nearest directory at or above
// the working directory whose go.mod is the main module's. Tests run in
// their package directory, so this is how they find files such as the
// built wasm.
func RepoRoot(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatalf("browsertest: working directory: %v", err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(b), mainModule) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatalf("browsertest: no go.mod of github.com/wsbeat/wsbeat at or above the working directory")
		}
		dir = parent
	}
}

// ChromiumPath returns the Chromium binary: $CHROMIUM when set, else
// /usr/bin/chromium. When neither exists the test is skipped, so that a
// machine without a browser can still run the native tests; under CI
// (env CI non-empty) it fails instead, so a broken image cannot pass by
// skipping every browser test.
func ChromiumPath(tb testing.TB) string {
	tb.Helper()
	path := os.Getenv("CHROMIUM")
	if path == "" {
		path = debianChromium
	}
	if resolved, err := exec.LookPath(path); err == nil {
		return resolved
	}
	msg := fmt.Sprintf("browsertest: no Chromium at %q (set $CHROMIUM, or apt-get install chromium)", path)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// Options configures NewBrowser. A nil *Options means all defaults.
type Options struct {
	// Throttling turns background timer throttling back on: it sets
	// chromedp's disable-background-timer-throttling,
	// disable-renderer-backgrounding and
	// disable-backgrounding-occluded-windows to false and enables
	// IntensiveWakeUpThrottling with a 10 s grace period, so a test can see
	// what a real hidden tab does to timers within seconds. In Firefox it
	// leaves Firefox's own hidden-tab throttling on (without it, prefs in
	// the fresh profile turn it off); WebKit throttles hidden pages always.
	// Defaults to false.
	Throttling bool

	// NetworkEvents keeps the DevTools Network domain enabled on every
	// page, so that a test can listen for network events such as
	// network.EventWebSocketFrameSent. While it is on, Chromium sends the
	// driver a report per WebSocket frame, which makes WebSocket traffic
	// several times slower. Chromium only.
	// Defaults to false.
	NetworkEvents bool

	// ExtraFlags are more Chromium command line flags, applied last, so
	// they can override the harness's own. A value is a string for
	// --name=value or a bool (false removes the flag). Chromium only.
	// Defaults to none.
	ExtraFlags map[string]any

	// Timeout bounds the whole browser: when it passes, Chromium is killed
	// and every pending call fails with a message that says so.
	// Defaults to 2 minutes.
	Timeout time.Duration
}

// Browser is one headless Chromium process. It is closed by the Cleanup of
// the test that started it; pages made from it are closed before it.
type Browser struct {
	engine  Engine
	ctx     context.Context // Chromium: chromedp context of the first tab, whose cancel stops it; others: the browser's life
	network bool
	output  *tailBuffer
	remote  remoteBrowser // nil for Chromium
	ver     string
}

// Version is the browser's name and version as it reports them, such as
// "firefox 153.8.0esr".
func (b *Browser) Version() string { return b.ver }

// NewBrowser starts Chromium and waits until it answers. It fails the test
// when Chromium does not start, and logs the browser's own output then.
func NewBrowser(tb testing.TB, opts *Options) *Browser {
	tb.Helper()
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Timeout <= 0 {
		o.Timeout = defaultBrowserTimeout
	}
	if e := SelectedEngine(tb); e != Chromium {
		return newRemoteBrowser(tb, e, &o)
	}
	path := ChromiumPath(tb)

	output := &tailBuffer{max: 64 << 10}
	limitCtx, cancelLimit := context.WithTimeoutCause(context.Background(), o.Timeout,
		fmt.Errorf("browsertest: browser timeout of %v passed", o.Timeout))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(limitCtx,
		append(allocatorOptions(&o), chromedp.ExecPath(path), chromedp.CombinedOutput(output))...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	b := &Browser{engine: Chromium, ctx: ctx, network: o.NetworkEvents, output: output}

	tb.Cleanup(func() {
		// A graceful close lets Chromium flush and exit by itself; the
		// cancels after it kill whatever is left.
		closeCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(closeCtx); err != nil && !errors.Is(err, context.Canceled) {
			tb.Logf("browsertest: closing Chromium: %v", err)
		}
		cancel()
		cancelBrowser()
		cancelAlloc()
		cancelLimit()
		if tb.Failed() {
			tb.Logf("browsertest: Chromium output, without D-Bus noise:\n%s", output.String())
		}
	})

	start := time.Now()
	if err := b.within(DefaultTimeout, func() error { return chromedp.Do(ctx) }); err != nil {
		tb.Fatalf("browsertest: starting Chromium %s: %v", path, b.explain(err))
	}
	b.within(DefaultTimeout, func() error {
		v, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, cdpbrowser.GetVersion, cdp.Empty{})
		b.ver = v.Product // such as "Chrome/143.0.7499.169"
		return err
	})
	tb.Logf("browsertest: %s started in %v", b.ver, time.Since(start).Round(time.Millisecond))
	return b
}

// newRemoteBrowser starts Firefox or WebKit for NewBrowser.
//
// The Timeout starts once the browser answers and is doubled: Firefox's
// and WebKit's drivers answer each call more slowly than CDP, and a suite
// sized for Chromium's limit must not be cut short by them.
func newRemoteBrowser(tb testing.TB, e Engine, o *Options) *Browser {
	tb.Helper()
	start := time.Now()
	var rb remoteBrowser
	var err error
	switch e {
	case Firefox:
		rb, err = startFirefox(tb, o)
	case WebKit:
		rb, err = startWebKit(tb, o)
	}
	if err != nil {
		tb.Fatalf("browsertest: starting %s: %v", e, err)
	}
	ctx, cancel := context.WithTimeoutCause(context.Background(), 2*o.Timeout,
		fmt.Errorf("browsertest: browser timeout of %v (twice Options.Timeout in %s) passed", 2*o.Timeout, e))
	var once sync.Once
	closeBrowser := func() {
		once.Do(func() {
			if err := rb.close(); err != nil {
				tb.Logf("browsertest: closing %s: %v", e, err)
			}
		})
	}
	stop := context.AfterFunc(ctx, closeBrowser) // the Timeout kills it
	b := &Browser{engine: e, ctx: ctx, remote: rb, ver: rb.version()}
	tb.Cleanup(func() {
		stop()
		cancel()
		closeBrowser()
		if tb.Failed() {
			tb.Logf("browsertest: %s output:\n%s", e, rb.output())
		}
	})
	tb.Logf("browsertest: %s started in %v", b.ver, time.Since(start).Round(time.Millisecond))
	return b
}

// allocatorOptions builds the Chromium flags for o on top of chromedp's
// defaults. The user data dir is left to chromedp, which makes a fresh
// temporary one per browser and removes it after Chromium exits.
func allocatorOptions(o *Options) []chromedp.ExecAllocatorOption {
	opts := slices.Clone(chromedp.DefaultExecAllocatorOptions[:])
	opts = append(opts,
		chromedp.NoSandbox, // tests run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.Flag("headless", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-domain-reliability", true),
		chromedp.Flag("no-pings", true),
	)
	if o.Throttling {
		opts = append(opts,
			chromedp.Flag("disable-background-timer-throttling", false),
			chromedp.Flag("disable-renderer-backgrounding", false),
			chromedp.Flag("disable-backgrounding-occluded-windows", false),
			// chromedp already sets enable-features, and a flag holds one
			// value, so its features are repeated here.
			chromedp.Flag("enable-features",
				"NetworkService,NetworkServiceInProcess,IntensiveWakeUpThrottling:grace_period_seconds/10"),
		)
	}
	for _, name := range slices.Sorted(maps.Keys(o.ExtraFlags)) {
		opts = append(opts, chromedp.Flag(name, o.ExtraFlags[name]))
	}
	return opts
}

// within runs f, which uses a chromedp context that must not carry a
// deadline (its first Run binds a tab or browser to that context), and
// gives up after d.
func (b *Browser) within(d time.Duration, f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		return fmt.Errorf("no answer within %v", d)
	case <-b.ctx.Done():
		return context.Cause(b.ctx)
	}
}

// explain adds why the browser is gone to err, because a browser killed by
// its Timeout otherwise surfaces as a bare "context canceled".
func (b *Browser) explain(err error) error {
	if cause := context.Cause(b.ctx); cause != nil && !errors.Is(err, cause) {
		return fmt.Errorf("%w (browser: %v)", err, cause)
	}
	return err
}

// tailBuffer keeps the last max bytes written to it: Chromium's output is
// only worth showing when a test fails, and it can be long.
type tailBuffer struct {
	mu  sync.Mutex
	buf []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = slices.Delete(t.buf, 0, over)
	}
	return len(p), nil
}

// String returns the kept output without the D-Bus complaints that
// Chromium prints by the dozen in a container with no session bus.
func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for line := range strings.Lines(string(t.buf)) {
		if !strings.Contains(line, "dbus/") {
			b.WriteString(line)
		}
	}
	return b.String()
}
