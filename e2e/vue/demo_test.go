//go:build !js

package vue

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// logEntry is one line of the demo's event log, as the page shows it.
type logEntry struct {
	Kind    string  `json:"kind"`
	Text    string  `json:"text"`
	Attempt int     `json:"attempt"`
	Delay   float64 `json:"delay"`
	Window  float64 `json:"window"`
}

// demoLog reads the log oldest first.
const demoLog = `[...document.querySelectorAll("#log li")].reverse().map(li => ({
	kind: li.dataset.kind, text: li.querySelector("span").textContent,
	attempt: +(li.dataset.attempt || 0), delay: +(li.dataset.delay || 0), window: +(li.dataset.window || 0)}))`

const demoState = `document.querySelector("#state").textContent.trim()`

// testDemo drives index.html as a person would: send a message, silence
// the server, refuse connections and drop, close with a code. Then it
// saves the screenshot that the README shows.
func testDemo(t *testing.T, b *browsertest.Browser) {
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/")
	p.Run(t, chromedp.EmulateViewport(1280, 900))
	show := `({state: ` + demoState + `, log: ` + demoLog + `.slice(-12).map(e => e.kind + ": " + e.text)})`
	entries := func() []logEntry { return eval[[]logEntry](t, p, demoLog) }
	// since returns the log entries after the first mark ones.
	since := func(mark int) []logEntry { return entries()[mark:] }
	// logHas waits for an entry after mark of kind whose text has all of parts.
	logHas := func(mark int, timeout time.Duration, kind string, parts ...string) {
		t.Helper()
		cond := `` + demoLog + `.slice(` + strconv.Itoa(mark) + `).some(e => e.kind === ` + strconv.Quote(kind)
		for _, part := range parts {
			cond += ` && e.text.includes(` + strconv.Quote(part) + `)`
		}
		waitJS(t, p, cond+`)`, show, timeout)
	}

	waitJS(t, p, demoState+` === "open"`, show, 15*time.Second)
	assert(t, eval[string](t, p, `document.querySelector("#status").textContent`) == "OPEN", "status is not OPEN")

	// Type a message, send it, see the echo.
	mark := len(entries())
	p.Run(t, chromedp.SendKeys(chromedp.ID("send-input"), "hello from a person"), chromedp.Click(chromedp.ID("send-button")))
	logHas(mark, 5*time.Second, "send", "→ hello from a person (sent)")
	logHas(mark, 5*time.Second, "echo", "← hello from a person")

	// Silence: the ping goes unanswered, the log says why, and the state
	// comes back to open by itself.
	mark = len(entries())
	p.Run(t, chromedp.Click(chromedp.ID("silence")))
	logHas(mark, 5*time.Second, "server", "silenced 1 connection")
	logHas(mark, 15*time.Second, "close", "close 4000", "heartbeat timeout", "reconnecting")
	logHas(mark, 10*time.Second, "open", "open")
	waitJS(t, p, demoState+` === "open"`, show, 5*time.Second)
	kinds := kindsOf(since(mark))
	assert(t, isSubsequence(kinds, []string{"server", "state", "close", "retry", "state", "open"}), "log after silence: %v", kinds)
	assert(t, slices.ContainsFunc(since(mark), func(e logEntry) bool { return e.Kind == "state" && e.Text == "open → reconnecting" }),
		"no open → reconnecting in the log: %+v", since(mark))

	// Refuse for 5 s, then drop: retries wait in growing windows until the
	// server takes connections again. First, as a person watching the page
	// would, wait for the connection to count as stable (retries back to 0
	// after minUptime).
	waitJS(t, p, `document.querySelector("#retries").textContent === "0"`, show, 10*time.Second)
	mark = len(entries())
	p.Run(t, chromedp.Click(chromedp.ID("refuse")))
	logHas(mark, 5*time.Second, "server", "refusing new connections")
	p.Run(t, chromedp.Click(chromedp.ID("drop")))
	logHas(mark, 5*time.Second, "close", "close 1006")
	logHas(mark, 30*time.Second, "open", "open after")
	waitJS(t, p, demoState+` === "open"`, show, 5*time.Second)
	var retries []logEntry
	for _, e := range since(mark) {
		if e.Kind == "retry" {
			retries = append(retries, e)
		}
	}
	assert(t, len(retries) >= 3, "want at least 3 retries while refused, got %+v", retries)
	assert(t, retries[0].Attempt == 1 && retries[0].Delay == 0, "the first retry after a drop must be immediate: %+v", retries[0])
	for i := 1; i < len(retries); i++ {
		r, prev := retries[i], retries[i-1]
		assert(t, r.Attempt == prev.Attempt+1, "retry attempts not consecutive: %+v", retries)
		assert(t, r.Delay >= 0 && r.Delay <= r.Window, "retry #%d waited %.0f ms outside its window of %.0f ms", r.Attempt, r.Delay, r.Window)
		if prev.Delay > 0 {
			assert(t, r.Window > prev.Window || r.Window == 10000, "backoff windows do not grow: %+v", retries)
		}
	}
	assert(t, srv.Echo.Stats().Rejected >= int64(len(retries)-1), "server rejected %d upgrades for %d retries", srv.Echo.Stats().Rejected, len(retries))

	// Close with a code: a clean close that wsbeat retries at once.
	waitJS(t, p, `document.querySelector("#retries").textContent === "0"`, show, 10*time.Second)
	mark = len(entries())
	p.Run(t, chromedp.Click(chromedp.ID("close")))
	logHas(mark, 5*time.Second, "close", "close 4001", "closed by the demo", "reconnecting")
	logHas(mark, 10*time.Second, "open", "open")
	waitJS(t, p, demoState+` === "open"`, show, 5*time.Second)
	p.Run(t, chromedp.Click(chromedp.ID("reset")))
	logHas(mark, 5*time.Second, "server", "reset")

	// One more echo and one more answered ping, for the screenshot.
	dots := eval[int](t, p, `document.querySelectorAll(".rtt-dot").length`)
	p.Run(t, chromedp.SendKeys(chromedp.ID("send-input"), "still here"), chromedp.Click(chromedp.ID("send-button")))
	logHas(mark, 5*time.Second, "echo", "← still here")
	waitJS(t, p, `document.querySelectorAll(".rtt-dot").length > `+strconv.Itoa(dots), show, 10*time.Second)
	assert(t, eval[string](t, p, `document.querySelector("#rtt").textContent`) != "—", "no RTT shown")

	noConsoleErrors(t, p)
	dir := filepath.Join(browsertest.RepoRoot(t), "docs")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p.Run(t, chromedp.EmulateViewport(1280, 1000))
	p.Screenshot(t, filepath.Join(dir, "demo.png"))
}

func kindsOf(es []logEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Kind
	}
	return out
}

// isSubsequence reports whether want appears in got in order, not
// necessarily next to each other.
func isSubsequence(got, want []string) bool {
	i := 0
	for _, g := range got {
		if i < len(want) && g == want[i] {
			i++
		}
	}
	return i == len(want)
}

// testQuickStart runs the README's Vue quick start (testdata/quickstart.html
// is the same page with absolute script paths): it connects, and a message
// typed and sent comes back as data.
func testQuickStart(t *testing.T, b *browsertest.Browser) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join("testdata", "quickstart.html"))
	if err != nil {
		t.Fatal(err)
	}
	if block := readmeBlock(string(readme), "## Quick start: Vue", "```html\n"); block != strings.ReplaceAll(string(page), `src="/`, `src="`) {
		t.Fatalf("the README's Vue quick start and testdata/quickstart.html differ (beyond the leading / of script paths); keep them in step.\nREADME:\n%s\ntestdata:\n%s", block, page)
	}
	srv := browsertest.StartServer(t, echo.Config{})
	p := b.NewPage(t, srv.URL+"/e2e/vue/testdata/quickstart.html")
	const text = `document.querySelector("#app").innerText`
	waitJS(t, p, `document.querySelector("#app p").textContent.startsWith("OPEN")`, text, 10*time.Second)
	p.Run(t, chromedp.SendKeys(chromedp.CSS("#app input"), "hi"), chromedp.Click(chromedp.CSS("#app button")))
	waitJS(t, p, `document.querySelector("#app").innerText.includes("Echo: hi")`, text, 5*time.Second)
	assert(t, eval[string](t, p, `document.querySelector("#app input").value`) == "", "the input is not cleared")
	noConsoleErrors(t, p)
}

// readmeBlock returns the first code block opened by fence after heading in
// a Markdown text, or "" when there is none.
func readmeBlock(md, heading, fence string) string {
	_, after, ok := strings.Cut(md, heading)
	if !ok {
		return ""
	}
	_, after, ok = strings.Cut(after, fence)
	if !ok {
		return ""
	}
	block, _, _ := strings.Cut(after, "```")
	return block
}
