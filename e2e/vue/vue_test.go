//go:build !js

// Package vue tests wsbeat-vue.js (WSBeatVue.useSocket, the plugin) in real
// Vue apps, and the demo page at the repository root as a person uses it,
// in headless Chromium against the in-process echo server.
//
// The pages are in testdata/ and load Vue's global build from
// node_modules and the bundle from dist/, so run `make build deps` first.
package vue

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// settle is how long a count must stay put to count as settled: longer
// than the test pages' heartbeat interval plus timeout (1s + 1s), so a
// socket that was left behind would have pinged, timed out or
// reconnected by then.
const settle = 2500 * time.Millisecond

// TestVue shares one Chromium among its subtests; each subtest starts its
// own echo server, so the server's counters are its alone.
func TestVue(t *testing.T) {
	checkBuilt(t)
	b := browsertest.NewBrowser(t, nil)
	t.Run("UseSocketStatusAndData", func(t *testing.T) { testStatusAndData(t, b) })
	t.Run("UseSocketURLChangeAndUnmount", func(t *testing.T) { testURLChangeAndUnmount(t, b) })
	t.Run("UseSocketOutsideComponents", func(t *testing.T) { testOutsideComponents(t, b) })
	t.Run("Plugin", func(t *testing.T) { testPlugin(t, b) })
	t.Run("QuickStart", func(t *testing.T) { testQuickStart(t, b) })
	t.Run("Demo", func(t *testing.T) { testDemo(t, b) })
}

// checkBuilt fails early, with the command to run, when the files the
// pages load are missing or dist/wsbeat-vue.js is older than its sources
// (js/src, which esbuild bundles).
func checkBuilt(t *testing.T) {
	t.Helper()
	root := browsertest.RepoRoot(t)
	for _, f := range []string{"dist/wsbeat.js", "dist/wsbeat.wasm", "dist/wsbeat-vue.js", "node_modules/vue/dist/vue.global.prod.js"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			t.Fatalf("%s is missing: run `make build deps` first (%v)", f, err)
		}
	}
	built, err := os.Stat(filepath.Join(root, "dist/wsbeat-vue.js"))
	if err != nil {
		t.Fatal(err)
	}
	srcs, _ := filepath.Glob(filepath.Join(root, "js", "src", "*.js"))
	for _, f := range srcs {
		if st, err := os.Stat(f); err != nil || st.ModTime().After(built.ModTime()) {
			t.Fatalf("dist/wsbeat-vue.js is older than %s: run `make build`", f)
		}
	}
}

func assert(t *testing.T, ok bool, msg string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(msg, args...)
	}
}

// eval evaluates a JS expression and returns its value as T.
func eval[T any](t *testing.T, p *browsertest.Page, format string, args ...any) T {
	t.Helper()
	return browsertest.Eval[T](t, p, fmt.Sprintf(format, args...))
}

// waitJS waits until the JS condition is true, and on a timeout fails with
// the page's value of show (a JS expression) to say what it saw instead.
func waitJS(t *testing.T, p *browsertest.Page, cond, show string, timeout time.Duration) {
	t.Helper()
	if err := browsertest.WaitForErr(p, cond, timeout); err != nil {
		got, _ := browsertest.EvalErr[any](p, show, 5*time.Second)
		t.Fatalf("%v\n%s = %v", err, show, got)
	}
}

// waitServer waits until the server's counters satisfy ok.
func waitServer(t *testing.T, srv *browsertest.Server, what string, ok func(echo.Stats) bool, timeout time.Duration) echo.Stats {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		st := srv.Echo.Stats()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("server: %s not true within %v; stats %+v", what, timeout, st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// holdServer checks that the server's counters satisfy ok for the whole
// duration d.
func holdServer(t *testing.T, srv *browsertest.Server, what string, ok func(echo.Stats) bool, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if st := srv.Echo.Stats(); !ok(st) {
			t.Fatalf("server: %s stopped being true; stats %+v", what, st)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// noConsoleErrors fails when the page reported an error.
func noConsoleErrors(t *testing.T, p *browsertest.Page) {
	t.Helper()
	if errs := p.ConsoleErrors(); len(errs) > 0 {
		t.Fatalf("console errors:\n%q", errs)
	}
}
