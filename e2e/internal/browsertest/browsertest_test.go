//go:build !js

package browsertest

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/wsbeat/wsbeat/server/echo"
)

// testPages are the pages the self-tests load, by path.
var testPages = map[string]string{
	"/index.html": `<!doctype html><title>browsertest</title><p>hello</p>`,
	"/form.html": `<!doctype html><title>form</title><input id=in><button id=go onclick="document.title = 'sent ' + document.getElementById('in').value">go</button>
<script>document.getElementById('in').addEventListener('input', () => window.inputs = (window.inputs || 0) + 1)</script>`,
	"/throws.html": `<!doctype html><title>throws</title><script>
console.log("before");
console.error("boom via console.error");
throw new Error("boom at load");
</script>`,
}

// startTestServer writes testPages into a temp dir and serves it with
// StartServer, and returns the base http URL and the ws URL of /echo.
func startTestServer(t *testing.T) (base, echoURL string) {
	t.Helper()
	srv := startPageServer(t)
	return srv.URL, srv.WSURL("/echo")
}

// startPageServer is startTestServer for tests that need the Server.
func startPageServer(t *testing.T) *Server {
	t.Helper()
	root := t.TempDir()
	for name, page := range testPages {
		err := os.WriteFile(filepath.Join(root, name), []byte(page), 0o644)
		assert(t, err == nil, "writing %s: %v", name, err)
	}
	return StartServer(t, echo.Config{Root: root})
}

// assert fails the test with msg and args when ok is false.
func assert(t *testing.T, ok bool, msg string, args ...any) {
	t.Helper()
	if !ok {
		t.Fatalf(msg, args...)
	}
}

func TestPageLoadsAndEvaluates(t *testing.T) {
	base, _ := startTestServer(t)
	p := NewBrowser(t, nil).NewPage(t, base+"/index.html")

	assert(t, Eval[string](t, p, `document.title`) == "browsertest", "title")
	assert(t, Eval[int](t, p, `6 * 7`) == 42, "number")
	assert(t, Eval[float64](t, p, `new Promise(r => setTimeout(() => r(1.5), 50))`) == 1.5, "awaited promise")

	type point struct {
		X    int    `json:"x"`
		Name string `json:"name"`
	}
	got := Eval[point](t, p, `({x: 3, name: "p"})`)
	assert(t, got == point{X: 3, Name: "p"}, "object: got %+v", got)

	_, err := EvalErr[int](p, `(() => { throw new TypeError("nope") })()`, time.Second)
	assert(t, err != nil && strings.Contains(err.Error(), "nope") && strings.Contains(err.Error(), "throw new TypeError"),
		"a throwing expression must fail with the expression and the JS error, got %v", err)

	start := time.Now()
	_, err = EvalErr[int](p, `new Promise(() => {})`, 200*time.Millisecond)
	assert(t, err != nil && time.Since(start) < 5*time.Second, "a promise that never settles must time out, got %v", err)
	assert(t, Eval[int](t, p, `1`) == 1, "the page must still answer after a timed-out eval")
}

func TestConsoleErrorsAreCollected(t *testing.T) {
	base, _ := startTestServer(t)
	b := NewBrowser(t, nil)

	quiet := b.NewPage(t, base+"/index.html")
	Eval[chromedp.Void](t, quiet, `console.log("just info")`)
	assert(t, len(quiet.ConsoleErrors()) == 0, "quiet page has errors: %q", quiet.ConsoleErrors())

	p := b.NewPage(t, base+"/throws.html")
	Eval[chromedp.Void](t, p, `Promise.reject(new Error("rejected late")), undefined`)
	deadline := time.Now().Add(5 * time.Second)
	for len(p.ConsoleErrors()) < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	errs := strings.Join(p.ConsoleErrors(), "\n")
	wants := []string{"boom via console.error", "boom at load", "rejected late"}
	if b.Engine() == WebKit {
		// WebDriver classic reports no console: the harness records it
		// from the load event on, so what throws.html logs while it loads
		// is not seen. Log the same after the load instead.
		Eval[chromedp.Void](t, p, `console.log("before"); console.error("boom via console.error");
			setTimeout(() => { throw new Error("boom at load") }), undefined`)
		WaitFor(t, p, `true`, time.Second)
		time.Sleep(100 * time.Millisecond)
		errs = strings.Join(p.ConsoleErrors(), "\n")
	}
	for _, want := range wants {
		assert(t, strings.Contains(errs, want), "ConsoleErrors misses %q:\n%s", want, errs)
	}
	assert(t, slices.Contains(p.Console(), "log: before"), "Console misses the log line: %q", p.Console())
	assert(t, !strings.Contains(errs, "before"), "console.log counted as an error:\n%s", errs)
}

func TestClickTypeViewport(t *testing.T) {
	base, _ := startTestServer(t)
	p := NewBrowser(t, nil).NewPage(t, base+"/form.html")
	p.Type(t, "#in", "hi")
	p.Type(t, "#in", " there")
	p.Click(t, "#go")
	assert(t, Eval[string](t, p, `document.title`) == "sent hi there", "title after typing and clicking: %q", Eval[string](t, p, `document.title`))
	assert(t, Eval[int](t, p, `window.inputs`) == 2, "input events: %d, want 2", Eval[int](t, p, `window.inputs`))

	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() { defer close(done); p.Click(ft, "#nothing") }()
	<-done
	assert(t, ft.failed && strings.Contains(ft.msg, "#nothing"), "Click on no element must fail naming it, got %q", ft.msg)

	p.SetViewport(t, 800, 600)
	w := Eval[int](t, p, `innerWidth`)
	assert(t, w > 0 && w <= 800, "innerWidth %d after SetViewport(800, 600)", w)
}

func TestWaitFor(t *testing.T) {
	base, _ := startTestServer(t)
	p := NewBrowser(t, nil).NewPage(t, base+"/index.html")

	Eval[chromedp.Void](t, p, `setTimeout(() => { window.ready = true }, 100)`)
	WaitFor(t, p, `window.ready === true`, 5*time.Second)

	start := time.Now()
	err := WaitForErr(p, `window.never === true`, 300*time.Millisecond)
	took := time.Since(start)
	assert(t, err != nil && strings.Contains(err.Error(), "window.never === true"),
		"WaitForErr must fail naming the expression, got %v", err)
	assert(t, took >= 300*time.Millisecond && took < 3*time.Second, "timed out after %v, want about 300ms", took)

	// Long enough for one WebDriver round trip on a busy machine.
	err = WaitForErr(p, `missing.thing`, 2*time.Second)
	notDefined := "missing is not defined" // V8 and SpiderMonkey
	if p.browser.Engine() == WebKit {
		notDefined = "Can't find variable: missing" // JavaScriptCore
	}
	assert(t, err != nil && strings.Contains(err.Error(), notDefined),
		"a throwing condition must report the last JS error, got %v", err)
}

// sendOverWebSocket is the page script that opens a raw browser WebSocket
// to the echo server, sends n messages and resolves with the number of
// echoes once all came back.
const sendOverWebSocket = `(async (url, n) => {
	const ws = new WebSocket(url);
	await new Promise((ok, fail) => { ws.onopen = ok; ws.onerror = () => fail(new Error("ws error")) });
	let got = 0;
	const all = new Promise(ok => ws.onmessage = () => { if (++got === n) ok() });
	for (let i = 0; i < n; i++) ws.send("m" + i);
	await all;
	ws.close();
	return got;
})(%q, %d)`

func TestNetworkDomain(t *testing.T) {
	base, echoURL := startTestServer(t)
	for _, tc := range []struct {
		name       string
		opts       *Options
		wantFrames bool
	}{
		{"OffByDefault", nil, false},
		{"OnWhenAsked", &Options{NetworkEvents: true}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, tc.opts)
			RequireEngine(t, b, "Options.NetworkEvents is about the DevTools Network domain", Chromium)
			p := b.NewPage(t, base+"/index.html")
			var frames atomic.Int64
			ctx, cancel := context.WithCancel(p.Ctx())
			defer cancel()
			err := chromedp.Listen(ctx, func(ev any) {
				if _, ok := ev.(*network.EventWebSocketFrameSent); ok {
					frames.Add(1)
				}
			})
			assert(t, err == nil, "listen: %v", err)

			const n = 20
			got := Eval[int](t, p, fmt.Sprintf(sendOverWebSocket, echoURL, n))
			assert(t, got == n, "echoes: got %d, want %d", got, n)
			// The events travel on the same connection as the eval's reply
			// and before it, but give stragglers a moment anyway.
			time.Sleep(100 * time.Millisecond)
			if tc.wantFrames {
				assert(t, frames.Load() >= n, "frames reported: %d, want at least %d", frames.Load(), n)
			} else {
				assert(t, frames.Load() == 0, "frames reported: %d, want 0", frames.Load())
			}
		})
	}
}

// chainedTimers resolves with the milliseconds that three chained 10ms
// timers take.
const chainedTimers = `(async () => {
	const start = performance.now();
	for (let i = 0; i < 3; i++) await new Promise(r => setTimeout(r, 10));
	return performance.now() - start;
})()`

func TestThrottling(t *testing.T) {
	base, _ := startTestServer(t)
	throttleFlags := []string{
		"--disable-background-timer-throttling",
		"--disable-renderer-backgrounding",
		"--disable-backgrounding-occluded-windows",
	}
	for _, tc := range []struct {
		name       string
		throttling bool
	}{
		{"Off", false},
		{"On", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBrowser(t, &Options{Throttling: tc.throttling})
			RequireEngine(t, b, "WebKitWebDriver offers no switch for WebKit's hidden-page timer throttling", Chromium, Firefox)
			if b.Engine() == Chromium {
				args := browserArgs(t, b)
				for _, f := range throttleFlags {
					assert(t, slices.Contains(args, f) != tc.throttling, "flag %s present=%v with Throttling=%v: %q",
						f, slices.Contains(args, f), tc.throttling, args)
				}
				intensive := slices.ContainsFunc(args, func(a string) bool {
					return strings.HasPrefix(a, "--enable-features=") && strings.Contains(a, "IntensiveWakeUpThrottling")
				})
				assert(t, intensive == tc.throttling, "IntensiveWakeUpThrottling enabled=%v with Throttling=%v", intensive, tc.throttling)
			}

			p := b.NewPage(t, base+"/index.html")
			p.SetHidden(t, true)
			// A hidden tab's timers wake at most once a second when
			// throttled, so three chained short timers take seconds.
			took := Eval[float64](t, p, chainedTimers)
			t.Logf("3 chained 10ms timers in a hidden tab took %.0fms", took)
			if tc.throttling {
				assert(t, took >= 1500, "hidden tab not throttled: %.0fms", took)
			} else {
				assert(t, took < 1000, "hidden tab throttled: %.0fms", took)
			}

			p.SetHidden(t, false)
			took = Eval[float64](t, p, chainedTimers)
			assert(t, took < 1000, "visible again, yet throttled: %.0fms", took)
		})
	}
}

// browserArgs returns the command line of the running Chromium process.
func browserArgs(t *testing.T, b *Browser) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("reads the command line from /proc")
	}
	proc := chromedp.FromContext(b.ctx).Browser.Process()
	assert(t, proc != nil, "no browser process")
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", proc.Pid))
	assert(t, err == nil, "reading the command line: %v", err)
	return strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
}

func TestScreenshotWritesPNG(t *testing.T) {
	base, _ := startTestServer(t)
	p := NewBrowser(t, nil).NewPage(t, base+"/index.html")
	path := filepath.Join(t.TempDir(), "page.png")
	p.Screenshot(t, path)
	raw, err := os.ReadFile(path)
	assert(t, err == nil, "reading the screenshot: %v", err)
	img, err := png.Decode(bytes.NewReader(raw))
	assert(t, err == nil, "decoding the screenshot: %v", err)
	assert(t, img.Bounds().Dx() > 0 && img.Bounds().Dy() > 0, "empty screenshot %v", img.Bounds())
}

func TestNewPageFailsOnHTTPError(t *testing.T) {
	base, _ := startTestServer(t)
	b := NewBrowser(t, nil)
	ft := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.NewPage(ft, base+"/missing.html")
	}()
	<-done
	assert(t, ft.failed && strings.Contains(ft.msg, "404"), "NewPage on a 404 must fail naming the status, got %q", ft.msg)
}

// fatalRecorder is a testing.TB whose Fatal records the message and ends
// the calling goroutine, so a test can check that a harness call fails.
type fatalRecorder struct {
	testing.TB
	failed bool
	msg    string
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failed, f.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fatalRecorder) Fatal(args ...any) {
	f.failed, f.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

func TestServerControlDropsBrowserSockets(t *testing.T) {
	srv := startPageServer(t)
	p := NewBrowser(t, nil).NewPage(t, srv.URL+"/index.html")
	Eval[chromedp.Void](t, p, fmt.Sprintf(`new Promise((ok, fail) => {
		window.ws = new WebSocket(%q);
		ws.onopen = ok;
		ws.onerror = () => fail(new Error("ws error"));
		ws.onclose = e => { window.closeCode = e.code };
	})`, srv.WSURL("/echo")))
	assert(t, srv.Echo.Stats().Open == 1, "open connections: %+v", srv.Echo.Stats())

	answer := srv.Control(t, "drop")
	assert(t, strings.Contains(answer, `"affected":1`), "drop answered %s", answer)
	if err := WaitForErr(p, `window.closeCode === 1006`, 5*time.Second); err != nil {
		t.Fatalf("%v; closeCode=%v readyState=%v stats=%+v", err, Eval[any](t, p, `window.closeCode ?? null`), Eval[int](t, p, `ws.readyState`), srv.Echo.Stats())
	}
}

func TestServerServesRepoRootByDefault(t *testing.T) {
	srv := StartServer(t, echo.Config{})
	resp, err := http.Get(srv.URL + "/go.mod")
	assert(t, err == nil, "GET /go.mod: %v", err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	assert(t, resp.StatusCode == http.StatusOK && strings.Contains(string(body), "module github.com/wsbeat/wsbeat"),
		"GET /go.mod: %s %q", resp.Status, body)
}
