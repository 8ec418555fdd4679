//go:build !js

package contract

import (
	_ "embed"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// helpersJS is evaluated in every page after it loads (see
// testdata/helpers.js), so that the pages load nothing but dist/.
//
//go:embed testdata/helpers.js
var helpersJS string

// TestContract starts the package's one Chromium and runs every contract
// test against it, each on its own page and echo server, so that the
// server's fault controls (drop, silence, reject) touch only that test's
// sockets. They run one after another: the heartbeat and churn tests
// measure time, and the machine is small.
func TestContract(t *testing.T) {
	requireBuilt(t)
	b := browsertest.NewBrowser(t, &browsertest.Options{Timeout: 8 * time.Minute})
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, *browsertest.Browser)
	}{
		{"Constants", testConstants},
		{"Properties", testProperties},
		{"URLs", testURLs},
		{"URLFunction", testURLFunction},
		{"Errors", testErrors},
		{"BadOptions", testBadOptions},
		{"ErrorCodes", testErrorCodes},
		{"Handlers", testHandlers},
		{"EventFields", testEventFields},
		{"MessageTargetAndStable", testMessageTargetAndStable},
		{"Backoff", testBackoff},
		{"ReconnectPolicy", testReconnectPolicy},
		{"Sends", testSends},
		{"BinaryType", testBinaryType},
		{"Methods", testMethods},
		{"Heartbeat", testHeartbeat},
		{"HeartbeatResponseNull", testHeartbeatResponseNull},
		{"CallbacksReadProperties", testCallbacksReadProperties},
		{"CallbacksCallMethods", testCallbacksCallMethods},
		{"QueueWhileRefused", testQueueWhileRefused},
		{"Overflow", testOverflow},
		{"CloseDiscardsQueue", testCloseDiscardsQueue},
		{"BeforeReady", testBeforeReady},
		{"MissingWasm", testMissingWasm},
		{"EngineExit", testEngineExit},
		{"Guard", testGuard},
		{"Churn", testChurn},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// requireBuilt fails when dist/ is missing or older than a source of
// dist/wsbeat.js (js/src/*.js), so that a stale bundle cannot pass or fail
// the tests by accident.
func requireBuilt(t *testing.T) {
	t.Helper()
	root := browsertest.RepoRoot(t)
	for _, f := range []string{"wsbeat.js", "wsbeat.wasm", "wasm_exec.js"} {
		if _, err := os.Stat(filepath.Join(root, "dist", f)); err != nil {
			t.Fatalf("dist/%s is missing; run `make build` first: %v", f, err)
		}
	}
	built, err := os.Stat(filepath.Join(root, "dist", "wsbeat.js"))
	if err != nil {
		t.Fatal(err)
	}
	srcs, _ := filepath.Glob(filepath.Join(root, "js", "src", "*.js"))
	if len(srcs) == 0 {
		t.Fatal("no sources in js/src")
	}
	for _, f := range srcs {
		if st, err := os.Stat(f); err != nil || st.ModTime().After(built.ModTime()) {
			t.Fatalf("dist/wsbeat.js is older than %s; run `make build` first", f)
		}
	}
}

// env is one test's server and page.
type env struct {
	srv *browsertest.Server
	p   *browsertest.Page
}

// openPage starts an echo server on 127.0.0.1 serving the repository,
// opens testdata/page on it, and adds the helpers. When the test ends it
// fails the test for anything the page reported as an error: console
// errors, uncaught exceptions and unhandled rejections.
func openPage(t *testing.T, b *browsertest.Browser, page string) *env {
	t.Helper()
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/contract/testdata/"+page)
	browsertest.Eval[any](t, p, helpersJS+"\n;undefined")
	t.Cleanup(func() {
		for _, e := range p.ConsoleErrors() {
			t.Errorf("console error: %s", e)
		}
		uncaught, err := browsertest.EvalErr[[]string](p, `window.uncaught`, 5*time.Second)
		if err != nil {
			t.Errorf("reading window.uncaught: %v", err)
		}
		for _, u := range uncaught {
			t.Errorf("uncaught in the page: %s", u)
		}
	})
	return &env{srv: srv, p: p}
}

// checkResult is what check's JS returns.
type checkResult struct {
	Fails []string       `json:"fails"`
	Info  map[string]any `json:"info"`
}

// check runs body as the statements of an async function in the page,
// with c (a Checker, see helpers.js) and P (params, as JSON) in scope,
// fails the test with every expectation that c recorded as failed and with
// any exception body threw, and returns c.info. timeout bounds the whole
// call; zero means browsertest.DefaultTimeout.
func (e *env) check(t *testing.T, timeout time.Duration, params any, body string) map[string]any {
	t.Helper()
	p, err := json.Marshal(params)
	if err != nil {
		t.Fatalf("params: %v", err)
	}
	expr := `(async (P) => {
		const c = new Checker();
		try {
			` + body + `
		} catch (err) {
			c.fails.push('exception: ' + ((err && err.stack) || err));
		}
		return {fails: c.fails, info: c.info};
	})(` + string(p) + `)`
	r, err := browsertest.EvalErr[checkResult](e.p, expr, timeout)
	if err != nil {
		// The error repeats the whole expression; its first line is enough.
		msg := err.Error()
		if i := strings.Index(msg, "\n"); i > 0 {
			msg = msg[:i] + " … " + msg[strings.LastIndex(msg, ":"):]
		}
		t.Fatalf("check did not finish: %s", msg)
	}
	for _, f := range r.Fails {
		t.Error(f)
	}
	return r.Info
}

// logInfo logs what a check measured, as JSON.
func logInfo(t *testing.T, info map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(info)
	t.Logf("measured: %s", raw)
}
