//go:build !js

package browsertest

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// firefoxPrefs go into the fresh profile's user.js. Firefox's remote agent
// already applies its recommended automation prefs (no first-run pages,
// no updates, no telemetry); these add what the suites need.
var firefoxPrefs = map[string]any{
	// Only 127.0.0.1 is reachable: no captive portal or connectivity
	// probes, whose failures would flip navigator.onLine.
	"network.captive-portal-service.enabled": false,
	"network.connectivity-service.enabled":   false,
	"browser.safebrowsing.update.enabled":    false,
	"browser.safebrowsing.malware.enabled":   false,
	"browser.safebrowsing.phishing.enabled":  false,
	"extensions.update.enabled":              false,
	"browser.shell.checkDefaultBrowser":      false,
	"dom.disable_beforeunload":               true,
	// Anything but 127.0.0.1 goes to a proxy that refuses at once, so a
	// background service that tries the internet fails fast rather than
	// waiting on a network the test machine may not route.
	"network.proxy.type":                      1,
	"network.proxy.http":                      "127.0.0.1",
	"network.proxy.http_port":                 9,
	"network.proxy.ssl":                       "127.0.0.1",
	"network.proxy.ssl_port":                  9,
	"network.proxy.allow_hijacking_localhost": false,
	"network.proxy.no_proxies_on":             "localhost, 127.0.0.1",
}

// firefoxNoThrottling are the prefs that stop Firefox from throttling
// timers in hidden tabs, as chromedp's defaults do for Chromium; they are
// left out with Options.Throttling.
var firefoxNoThrottling = map[string]any{
	"dom.min_background_timeout_value":                           4,
	"dom.timeout.enable_budget_timer_throttling":                 false,
	"dom.min_background_timeout_value_without_budget_throttling": 4,
}

// firefoxNetworkMessage matches the messages Firefox logs as JavaScript
// errors about the network rather than about the page's script: a
// WebSocket that cannot connect or is cut by a navigation, a resource
// blocked for its MIME type.
var firefoxNetworkMessage = regexp.MustCompile(`can’t establish a connection to the server at |` +
	`^The connection to \S+ was interrupted while the page was loading\.$|` +
	`^The resource from “.*” was blocked due to MIME type`)

// bidiListening is the line Firefox prints once WebDriver BiDi listens.
var bidiListening = regexp.MustCompile(`WebDriver BiDi listening on (ws://\S+)`)

// firefox is one Firefox process driven over WebDriver BiDi.
type firefox struct {
	cmd     *exec.Cmd
	exited  chan struct{}
	profile string
	out     *tailBuffer
	conn    *bidiConn
	ver     string

	mu   sync.Mutex
	tabs map[string]*Page // by browsing context id, for log events
}

func startFirefox(tb testing.TB, o *Options) (*firefox, error) {
	tb.Helper()
	path := findBinary(tb, "FIREFOX", "firefox-esr", "/usr/bin/firefox-esr", "firefox")
	profile, err := os.MkdirTemp("", "browsertest-firefox-")
	if err != nil {
		return nil, err
	}
	var prefs strings.Builder
	write := func(m map[string]any) {
		for k, v := range m {
			b, _ := json.Marshal(v)
			fmt.Fprintf(&prefs, "user_pref(%q, %s);\n", k, b)
		}
	}
	write(firefoxPrefs)
	if !o.Throttling {
		write(firefoxNoThrottling)
	}
	if err := os.WriteFile(filepath.Join(profile, "user.js"), []byte(prefs.String()), 0o644); err != nil {
		os.RemoveAll(profile)
		return nil, err
	}

	f := &firefox{profile: profile, out: &tailBuffer{max: 64 << 10}, exited: make(chan struct{}), tabs: map[string]*Page{}}
	f.cmd = exec.Command(path, "--headless", "--no-remote", "-profile", profile,
		"--remote-debugging-port=0", "--remote-allow-hosts=127.0.0.1", "about:blank")
	f.cmd.Env = append(os.Environ(), "MOZ_CRASHREPORTER_DISABLE=1", "MOZ_CRASHREPORTER_SHUTDOWN=1")
	url, err := startLogged(f.cmd, f.out, f.exited, bidiListening, 3*DefaultTimeout)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}

	// A first start on a fresh profile takes Firefox long on a busy
	// machine (over 30s was seen at a load of 30 on 2 cores).
	ctx, cancel := context.WithTimeout(context.Background(), 3*DefaultTimeout)
	defer cancel()
	f.conn, err = dialBiDi(ctx, url+"/session", f.event)
	if err != nil {
		f.close()
		return nil, fmt.Errorf("connecting to WebDriver BiDi at %s: %w", url, err)
	}
	var sess struct {
		Capabilities struct {
			BrowserName    string `json:"browserName"`
			BrowserVersion string `json:"browserVersion"`
		} `json:"capabilities"`
	}
	err = f.conn.call(ctx, "session.new", map[string]any{"capabilities": map[string]any{
		"alwaysMatch": map[string]any{"acceptInsecureCerts": true}}}, &sess)
	if err == nil {
		f.ver = sess.Capabilities.BrowserName + " " + sess.Capabilities.BrowserVersion
		err = f.conn.call(ctx, "session.subscribe", map[string]any{"events": []string{"log.entryAdded"}}, nil)
	}
	if err != nil {
		f.close()
		return nil, err
	}
	return f, nil
}

// startLogged starts cmd in its own process group with its output going
// to out, and returns the first submatch of ready in that output, waiting
// at most d. exited is closed when the process ends.
func startLogged(cmd *exec.Cmd, out *tailBuffer, exited chan struct{}, ready *regexp.Regexp, d time.Duration) (string, error) {
	setProcessGroup(cmd)
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	cmd.Stdout, cmd.Stderr = w, w
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return "", err
	}
	w.Close()
	found := make(chan string, 1)
	go func() {
		defer r.Close()
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			out.Write([]byte(line + "\n"))
			if ready != nil {
				if m := ready.FindStringSubmatch(line); m != nil {
					select {
					case found <- m[1]:
					default:
					}
				}
			}
		}
	}()
	go func() {
		cmd.Wait()
		close(exited)
	}()
	if ready == nil {
		return "", nil
	}
	select {
	case u := <-found:
		return u, nil
	case <-exited:
		return "", fmt.Errorf("exited before it was ready (%v); output:\n%s", cmd.ProcessState, out.String())
	case <-time.After(d):
		return "", fmt.Errorf("not ready within %v; output:\n%s", d, out.String())
	}
}

// event routes BiDi events: console entries to their page.
func (f *firefox) event(method string, params json.RawMessage) {
	if method != "log.entryAdded" {
		return
	}
	var e struct {
		Type   string `json:"type"`
		Level  string `json:"level"`
		Method string `json:"method"`
		Text   string `json:"text"`
		Source struct {
			Context string `json:"context"`
		} `json:"source"`
	}
	if json.Unmarshal(params, &e) != nil {
		return
	}
	f.mu.Lock()
	p := f.tabs[e.Source.Context]
	f.mu.Unlock()
	if p == nil {
		return
	}
	switch e.Type {
	case "console":
		m := e.Method
		if m == "warn" {
			m = "warning" // as Chromium names it
		}
		p.recordLine(m+": "+e.Text, m == "error" || m == "assert")
	case "javascript":
		if firefoxNetworkMessage.MatchString(e.Text) {
			// Firefox reports failed connections and blocked loads as
			// script errors; Chromium reports them as browser log
			// entries, which ConsoleErrors leaves out on purpose.
			p.recordLine("log.network "+e.Level+": "+e.Text, false)
			return
		}
		p.recordLine("exception: "+e.Text, true)
	default:
		p.recordLine(fmt.Sprintf("log.%s %s: %s", e.Type, e.Level, e.Text), false)
	}
}

func (f *firefox) version() string { return f.ver }
func (f *firefox) output() string  { return f.out.String() }

func (f *firefox) close() error {
	if f.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		f.conn.call(ctx, "browser.close", nil, nil) // the process is killed below anyway
		cancel()
		f.conn.close()
	}
	if f.cmd != nil && f.cmd.Process != nil {
		select {
		case <-f.exited:
		case <-time.After(5 * time.Second):
		}
		killProcessGroup(f.cmd)
		<-f.exited
	}
	return os.RemoveAll(f.profile)
}

type firefoxTab struct {
	f     *firefox
	id    string
	cover string // the tab opened over this one by setHidden, if any
}

func (f *firefox) newTab(ctx context.Context, p *Page) (remoteTab, error) {
	var r struct {
		Context string `json:"context"`
	}
	if err := f.conn.call(ctx, "browsingContext.create", map[string]any{"type": "window"}, &r); err != nil {
		return nil, err
	}
	f.mu.Lock()
	f.tabs[r.Context] = p
	f.mu.Unlock()
	return &firefoxTab{f: f, id: r.Context}, nil
}

func (t *firefoxTab) navigate(ctx context.Context, url string) error {
	return t.f.conn.call(ctx, "browsingContext.navigate",
		map[string]any{"context": t.id, "url": url, "wait": "complete"}, nil)
}

func (t *firefoxTab) eval(ctx context.Context, expr string) (json.RawMessage, error) {
	var r struct {
		Type             string      `json:"type"`
		Result           remoteValue `json:"result"`
		ExceptionDetails struct {
			Text       string `json:"text"`
			LineNumber int    `json:"lineNumber"`
		} `json:"exceptionDetails"`
	}
	err := t.f.conn.call(ctx, "script.evaluate", map[string]any{
		"expression":      expr,
		"target":          map[string]any{"context": t.id},
		"awaitPromise":    true,
		"resultOwnership": "none",
	}, &r)
	if err != nil {
		return nil, err
	}
	if r.Type == "exception" {
		return nil, fmt.Errorf("exception (line %d): %s", r.ExceptionDetails.LineNumber, r.ExceptionDetails.Text)
	}
	v, err := r.Result.plain()
	if err != nil {
		return nil, fmt.Errorf("decoding the result: %w", err)
	}
	return json.Marshal(v)
}

// setHidden opens a tab in front of the page's (hidden) and closes it
// again (visible): what switching tabs does to a real page. Firefox's
// BiDi offers no window minimizing, and headless windows have no
// occlusion.
func (t *firefoxTab) setHidden(ctx context.Context, hidden bool) error {
	if hidden {
		if t.cover != "" {
			return nil
		}
		var r struct {
			Context string `json:"context"`
		}
		err := t.f.conn.call(ctx, "browsingContext.create",
			map[string]any{"type": "tab", "referenceContext": t.id, "background": false}, &r)
		if err != nil {
			return err
		}
		t.cover = r.Context
		return nil
	}
	if t.cover == "" {
		return nil
	}
	err := t.f.conn.call(ctx, "browsingContext.close", map[string]any{"context": t.cover}, nil)
	t.cover = ""
	if err != nil {
		return err
	}
	return t.f.conn.call(ctx, "browsingContext.activate", map[string]any{"context": t.id}, nil)
}

func (t *firefoxTab) setViewport(ctx context.Context, width, height int) error {
	return t.f.conn.call(ctx, "browsingContext.setViewport", map[string]any{
		"context": t.id, "viewport": map[string]any{"width": width, "height": height}}, nil)
}

func (t *firefoxTab) screenshot(ctx context.Context) ([]byte, error) {
	var r struct {
		Data string `json:"data"`
	}
	if err := t.f.conn.call(ctx, "browsingContext.captureScreenshot", map[string]any{"context": t.id}, &r); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(r.Data)
}

func (t *firefoxTab) close(ctx context.Context) error {
	t.f.mu.Lock()
	delete(t.f.tabs, t.id)
	t.f.mu.Unlock()
	if t.cover != "" {
		t.f.conn.call(ctx, "browsingContext.close", map[string]any{"context": t.cover}, nil)
	}
	return t.f.conn.call(ctx, "browsingContext.close", map[string]any{"context": t.id}, nil)
}
