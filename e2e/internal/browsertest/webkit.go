//go:build !js

package browsertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// miniBrowserPaths are where Debian's libwebkit2gtk packages put the
// MiniBrowser that WebKitWebDriver drives.
var miniBrowserPaths = []string{
	"/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser",
	"/usr/lib/x86_64-linux-gnu/webkitgtk-6.0/MiniBrowser",
	"/usr/lib/aarch64-linux-gnu/webkitgtk-6.0/MiniBrowser",
}

// webkit is one WebKitWebDriver, on its own virtual X display, with one
// session of MiniBrowser. WebDriver classic runs one command at a time
// per session, so mu serializes commands and the window switches they
// need, and no command waits on the page (see evalStart).
type webkit struct {
	cmd    *exec.Cmd
	exited chan struct{}
	out    *tailBuffer
	base   string // http://127.0.0.1:PORT/session/ID
	client http.Client
	ver    string

	evalID atomic.Int64

	mu      sync.Mutex
	current string // the window handle commands go to
	first   string // the session's first window, kept open: new windows are made from it
}

func startWebKit(tb testing.TB, o *Options) (*webkit, error) {
	tb.Helper()
	driver := findBinary(tb, "WEBKIT_WEBDRIVER", "webkit2gtk-driver", "/usr/bin/WebKitWebDriver", "WebKitWebDriver")
	mini := findBinary(tb, "MINIBROWSER", "webkit2gtk-driver", miniBrowserPaths...)
	xvfb := findBinary(tb, "XVFB_RUN", "xvfb", "/usr/bin/xvfb-run", "xvfb-run")

	port, err := freePort()
	if err != nil {
		return nil, err
	}
	w := &webkit{out: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	w.cmd = exec.Command(xvfb, "-a", "-s", "-screen 0 1280x1024x24 -nolisten tcp",
		driver, "--host=127.0.0.1", "--port="+strconv.Itoa(port))
	if _, err := startLogged(w.cmd, w.out, w.exited, nil, 0); err != nil {
		return nil, fmt.Errorf("starting %s under %s: %w", driver, xvfb, err)
	}
	root := "http://127.0.0.1:" + strconv.Itoa(port)

	// WebKitWebDriver answers /status once it listens.
	deadline := time.Now().Add(DefaultTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err = w.do(ctx, http.MethodGet, root+"/status", nil, nil)
		cancel()
		if err == nil {
			break
		}
		select {
		case <-w.exited:
			return nil, fmt.Errorf("%s exited (%v); output:\n%s", driver, w.cmd.ProcessState, w.out.String())
		default:
		}
		if time.Now().After(deadline) {
			w.close()
			return nil, fmt.Errorf("%s not answering within %v: %v; output:\n%s", driver, DefaultTimeout, err, w.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	ctx, cancel := context.WithTimeout(context.Background(), DefaultTimeout)
	defer cancel()
	var sess struct {
		SessionID    string `json:"sessionId"`
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	err = w.do(ctx, http.MethodPost, root+"/session", map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{
			"webkitgtk:browserOptions": map[string]any{"binary": mini, "args": []string{"--automation"}},
		}}}, &sess)
	if err != nil {
		w.close()
		return nil, fmt.Errorf("new WebDriver session: %w", err)
	}
	w.base = root + "/session/" + sess.SessionID
	w.ver = sess.Capabilities.BrowserName + " " + sess.Capabilities.BrowserVersion
	// Eval bounds each call itself; the driver's own script timeout must
	// not cut a long check short.
	if err := w.do(ctx, http.MethodPost, w.base+"/timeouts",
		map[string]any{"script": 30 * 60 * 1000, "pageLoad": DefaultTimeout.Milliseconds()}, nil); err != nil {
		w.close()
		return nil, err
	}
	if err := w.do(ctx, http.MethodGet, w.base+"/window", nil, &w.first); err != nil {
		w.close()
		return nil, err
	}
	w.current = w.first
	return w, nil
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// do sends one WebDriver request and decodes the answer's "value" into
// result (which may be nil). A WebDriver error answer becomes an error.
func (w *webkit) do(ctx context.Context, method, url string, body, result any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(raw, &env); err != nil {
		return fmt.Errorf("%s %s: %s: %.300q", method, url, resp.Status, raw)
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		json.Unmarshal(env.Value, &e)
		return fmt.Errorf("%s: %s", e.Error, e.Message)
	}
	if result == nil {
		return nil
	}
	return json.Unmarshal(env.Value, result)
}

// onWindow runs f with the session switched to window handle.
func (w *webkit) onWindow(ctx context.Context, handle string, f func() error) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.current != handle {
		if err := w.do(ctx, http.MethodPost, w.base+"/window", map[string]any{"handle": handle}, nil); err != nil {
			return fmt.Errorf("switching to window %s: %w", handle, err)
		}
		w.current = handle
	}
	return f()
}

func (w *webkit) version() string { return w.ver }
func (w *webkit) output() string  { return w.out.String() }

func (w *webkit) close() error {
	if w.base != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		w.do(ctx, http.MethodDelete, w.base, nil, nil) // the processes are killed below anyway
		cancel()
	}
	killProcessGroup(w.cmd)
	<-w.exited
	return nil
}

type webkitTab struct {
	w      *webkit
	handle string
}

func (w *webkit) newTab(ctx context.Context, p *Page) (remoteTab, error) {
	var r struct {
		Handle string `json:"handle"`
	}
	// WebDriver makes a new window from the current one, which must
	// still be open: the first window is never closed.
	err := w.onWindow(ctx, w.first, func() error {
		return w.do(ctx, http.MethodPost, w.base+"/window/new", map[string]any{"type": "window"}, &r)
	})
	if err != nil {
		return nil, err
	}
	return &webkitTab{w: w, handle: r.Handle}, nil
}

func (t *webkitTab) navigate(ctx context.Context, url string) error {
	err := t.w.onWindow(ctx, t.handle, func() error {
		return t.w.do(ctx, http.MethodPost, t.w.base+"/url", map[string]any{"url": url}, nil)
	})
	if err != nil {
		return err
	}
	_, err = t.eval(ctx, consoleHook)
	return err
}

// evalStart is the body of the function WebDriver runs for an eval: it
// evaluates the expression with an indirect eval (global scope, like a
// classic script) and answers {v} or {e} at once, or, for a promise,
// {pending: true} after arranging for the outcome to land in
// window.__browsertestEval[id]. A long await must not hold the session:
// WebDriver classic runs one command at a time, and other pages of the
// same browser need it meanwhile.
const evalStart = `var expr = arguments[0], id = arguments[1];
function fail(e) { return {e: (e && e.stack) ? String(e) + "\n" + e.stack : String(e)}; }
var v;
try { v = (0, eval)(expr); } catch (e) { return fail(e); }
if (v === null || (typeof v !== "object" && typeof v !== "function") || typeof v.then !== "function") {
  return {v: v === undefined ? null : v};
}
var box = window.__browsertestEval || (window.__browsertestEval = {});
box[id] = null;
Promise.resolve(v).then(function (r) { box[id] = {v: r === undefined ? null : r}; },
  function (e) { box[id] = fail(e); });
return {pending: true};`

// evalPoll answers what evalStart left for id: {pending: true} while the
// promise is unsettled, {gone: true} when the page has navigated away.
const evalPoll = `var box = window.__browsertestEval, id = arguments[0];
if (!box || !(id in box)) return {gone: true};
var r = box[id];
if (r === null) return {pending: true};
delete box[id];
return r;`

// evalPollInterval is how often a pending eval is asked for its outcome.
const evalPollInterval = 10 * time.Millisecond

type evalAnswer struct {
	V       json.RawMessage `json:"v"`
	E       *string         `json:"e"`
	Pending bool            `json:"pending"`
	Gone    bool            `json:"gone"`
}

func (t *webkitTab) execute(ctx context.Context, script string, args []any) (evalAnswer, error) {
	var r evalAnswer
	err := t.w.onWindow(ctx, t.handle, func() error {
		return t.w.do(ctx, http.MethodPost, t.w.base+"/execute/sync", map[string]any{"script": script, "args": args}, &r)
	})
	return r, err
}

func (t *webkitTab) eval(ctx context.Context, expr string) (json.RawMessage, error) {
	id := strconv.FormatInt(t.w.evalID.Add(1), 10)
	r, err := t.execute(ctx, evalStart, []any{expr, id})
	for err == nil && r.Pending {
		select {
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		case <-time.After(evalPollInterval):
		}
		r, err = t.execute(ctx, evalPoll, []any{id})
	}
	switch {
	case err != nil:
		return nil, err
	case r.Gone:
		return nil, fmt.Errorf("the page navigated away before the promise settled")
	case r.E != nil:
		return nil, fmt.Errorf("exception: %s", *r.E)
	case len(r.V) == 0:
		return json.RawMessage("null"), nil
	}
	return r.V, nil
}

// setHidden minimizes the window or restores it. Whether WebKitGTK then
// reports the page hidden depends on the window manager; under a bare Xvfb
// SetHidden's wait for visibilityState says when it does not.
func (t *webkitTab) setHidden(ctx context.Context, hidden bool) error {
	return t.w.onWindow(ctx, t.handle, func() error {
		if hidden {
			return t.w.do(ctx, http.MethodPost, t.w.base+"/window/minimize", map[string]any{}, nil)
		}
		return t.w.do(ctx, http.MethodPost, t.w.base+"/window/rect", map[string]any{"width": 1280, "height": 900}, nil)
	})
}

// setViewport sizes the window: WebDriver classic sets window sizes only,
// so the viewport is the window less MiniBrowser's toolbar.
func (t *webkitTab) setViewport(ctx context.Context, width, height int) error {
	return t.w.onWindow(ctx, t.handle, func() error {
		return t.w.do(ctx, http.MethodPost, t.w.base+"/window/rect", map[string]any{"width": width, "height": height}, nil)
	})
}

func (t *webkitTab) screenshot(ctx context.Context) ([]byte, error) {
	var data string
	err := t.w.onWindow(ctx, t.handle, func() error {
		return t.w.do(ctx, http.MethodGet, t.w.base+"/screenshot", nil, &data)
	})
	if err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(data)
}

// consoleHook makes the page record its console calls, uncaught errors
// and unhandled rejections in window.__browsertestConsole, because
// WebDriver classic reports none of them. It runs right after the load,
// so what the page logs while it loads is missed.
const consoleHook = `(function () {
  if (window.__browsertestConsole) return;
  var q = window.__browsertestConsole = [];
  function text(a) {
    if (typeof a === 'string') return a;
    if (a instanceof Error) return String(a);
    try { var j = JSON.stringify(a); return j === undefined ? String(a) : j; } catch (e) { return String(a); }
  }
  ['log', 'info', 'warn', 'error', 'debug', 'assert'].forEach(function (m) {
    var orig = console[m];
    console[m] = function () {
      var args = Array.prototype.slice.call(arguments);
      if (m === 'assert') { if (args[0]) return orig.apply(console, arguments); args = ['Assertion failed:'].concat(args.slice(1)); }
      q.push([m === 'warn' ? 'warning' : m, args.map(text).join(' ')]);
      return orig.apply(console, arguments);
    };
  });
  addEventListener('error', function (e) {
    q.push(['exception', 'Uncaught ' + (e.error ? String(e.error) : e.message)]);
  });
  addEventListener('unhandledrejection', function (e) {
    q.push(['exception', 'Uncaught (in promise) ' + text(e.reason)]);
  });
})()`

func (t *webkitTab) drain(ctx context.Context) ([][2]string, error) {
	raw, err := t.eval(ctx, `window.__browsertestConsole ? window.__browsertestConsole.splice(0) : []`)
	if err != nil {
		return nil, err
	}
	var lines [][2]string
	err = json.Unmarshal(raw, &lines)
	return lines, err
}

func (t *webkitTab) close(ctx context.Context) error {
	return t.w.onWindow(ctx, t.handle, func() error {
		err := t.w.do(ctx, http.MethodDelete, t.w.base+"/window", nil, nil)
		t.w.current = ""
		return err
	})
}
