//go:build !js

package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Engine names a browser engine the suites run in.
type Engine string

const (
	// Chromium is Debian's chromium, driven over the DevTools protocol
	// (chromedp).
	Chromium Engine = "chromium"
	// Firefox is Debian's firefox-esr, driven over WebDriver BiDi, which
	// Firefox serves itself.
	Firefox Engine = "firefox"
	// WebKit is WebKitGTK's MiniBrowser, Safari's engine, driven over W3C
	// WebDriver by WebKitWebDriver on a virtual X display (xvfb-run).
	WebKit Engine = "webkit"
)

// Engines lists every engine, in the order the matrix runs them.
var Engines = []Engine{Chromium, Firefox, WebKit}

// EngineEnv is the environment variable that picks the engine of every
// NewBrowser in the test process: "chromium", "firefox" or "webkit".
// Unset means Chromium. The Makefile runs each browser suite once per
// engine with it set.
const EngineEnv = "WSBEAT_BROWSER"

// SelectedEngine returns the engine named by $WSBEAT_BROWSER, Chromium when
// it is unset. It fails the test for an unknown name, so a typo cannot
// quietly run everything in Chromium.
func SelectedEngine(tb testing.TB) Engine {
	tb.Helper()
	v := strings.ToLower(strings.TrimSpace(os.Getenv(EngineEnv)))
	if v == "" {
		return Chromium
	}
	for _, e := range Engines {
		if string(e) == v {
			return e
		}
	}
	tb.Fatalf("browsertest: $%s=%q names no engine; want one of %v", EngineEnv, v, Engines)
	return ""
}

// Engine returns the engine this browser runs.
func (b *Browser) Engine() Engine { return b.engine }

// RequireEngine skips the test unless b runs one of engines. reason says
// what the test needs that the other engines' drivers do not offer, and
// where the same behaviour is covered for them; the skip message names it,
// so the matrix's list of skips explains itself.
func RequireEngine(tb testing.TB, b *Browser, reason string, engines ...Engine) {
	tb.Helper()
	for _, e := range engines {
		if b.engine == e {
			return
		}
	}
	tb.Skipf("browsertest: not in %s: %s", b.engine, reason)
}

// findBinary returns the first of the paths (or $env, when set) that
// exists, and otherwise skips the test, or fails it under CI (env CI
// non-empty) so that a broken image cannot pass by skipping.
func findBinary(tb testing.TB, env, pkg string, paths ...string) string {
	tb.Helper()
	if v := os.Getenv(env); v != "" {
		paths = []string{v}
	}
	for _, p := range paths {
		if resolved, err := exec.LookPath(p); err == nil {
			return resolved
		}
	}
	msg := fmt.Sprintf("browsertest: none of %q found (set $%s, or apt-get install %s)", paths, env, pkg)
	if os.Getenv("CI") != "" {
		tb.Fatal(msg)
	}
	tb.Skip(msg)
	return ""
}

// remoteBrowser is a browser the harness drives over WebDriver (BiDi or
// classic) rather than chromedp.
type remoteBrowser interface {
	// newTab opens a new top-level window for p, blank.
	newTab(ctx context.Context, p *Page) (remoteTab, error)
	// version is the browser's name and version, for logs and reports.
	version() string
	// close ends the browser and every process it started.
	close() error
	// output is the tail of the browser's own output, for failures.
	output() string
}

// remoteTab is one window of a remoteBrowser.
type remoteTab interface {
	navigate(ctx context.Context, url string) error
	// eval evaluates expr as a classic script in the page's global scope,
	// awaits it when it is a promise, and returns its value as JSON.
	eval(ctx context.Context, expr string) (json.RawMessage, error)
	// setHidden makes the page hidden (document.visibilityState) or
	// visible again, by the means the engine's driver offers.
	setHidden(ctx context.Context, hidden bool) error
	// setViewport resizes the page's viewport (Firefox) or window (WebKit).
	setViewport(ctx context.Context, width, height int) error
	// screenshot returns a PNG of the viewport.
	screenshot(ctx context.Context) ([]byte, error)
	close(ctx context.Context) error
}

// consoleRecorder is a remoteTab whose driver reports no console events,
// so the page records them itself (see consoleHook) and the harness
// collects them when asked.
type consoleRecorder interface {
	// drain returns the lines recorded since the last call, as
	// {level, text} pairs.
	drain(ctx context.Context) ([][2]string, error)
}
