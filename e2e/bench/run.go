//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/heapprofiler"
	"github.com/chromedp/cdproto/performance"
	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// Contenders in the order of the tables. raw is the browser's own
// WebSocket, the limit the others are measured against.
var contenders = []string{"raw", "wsbeat", "rws", "partysocket"}

// contenderNames are the names the report prints.
var contenderNames = map[string]string{
	"raw":         "raw WebSocket",
	"wsbeat":      "WSBeat.Socket",
	"rws":         "reconnecting-websocket 4.4.0",
	"partysocket": "partysocket 1.3.0",
}

// Config sizes a run. The program uses FullConfig; the smoke test a tiny
// one.
type Config struct {
	Rounds  int  // counted rounds of the interleaved message benchmarks
	Warmup  bool // one uncounted round first, at a quarter of the counts
	Small   int  // pipelined 64-byte echoes per throughput sample
	Large   int  // pipelined 16 KB echoes per throughput sample
	RTTs    int  // sequential round trips per latency sample
	Startup int  // start-up samples per loader, each in a fresh page

	MemWarm       int // messages before the baseline memory reading
	MemMessages   int // messages in all, for the second reading
	MemReconnects int // reconnects for the third reading

	Idle time.Duration // how long the idle sockets are watched

	Size bool // measure sizes and the package breakdown (builds wasm)

	// Engine, when set, is a wsbeat.wasm to run instead of
	// dist/wsbeat.wasm in the message, memory and idle pages: how a
	// prototype of an engine change is measured.
	Engine string

	Logf func(format string, args ...any) `json:"-"` // progress; nil for none
}

// FullConfig is what make bench runs: sized to finish in four to seven
// minutes on the 2-core machine (the latter while other work loads it),
// within the 10 with the build.
func FullConfig() Config {
	return Config{
		Rounds: 9, Warmup: true,
		Small: 20000, Large: 2000, RTTs: 2000,
		Startup:       25,
		MemWarm:       1000,
		MemMessages:   100000,
		MemReconnects: 1000,
		Idle:          60 * time.Second,
		Size:          true,
	}
}

// workload is one message benchmark.
type workload struct {
	Kind  string // "throughput" or "latency"
	Mode  string // "text" or "binary"
	Size  int    // bytes per message
	Count int
}

func (w workload) Name() string {
	return fmt.Sprintf("%s %s %s", w.Kind, w.Mode, sizeLabel(w.Size))
}

func sizeLabel(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

func (c Config) workloads(scale int) []workload {
	var ws []workload
	for _, mode := range []string{"text", "binary"} {
		ws = append(ws,
			workload{"throughput", mode, 64, max(1, c.Small/scale)},
			workload{"throughput", mode, 16 << 10, max(1, c.Large/scale)},
			workload{"latency", mode, 64, max(1, c.RTTs/scale)},
		)
	}
	return ws
}

// Sample is one measurement of one contender: Rate for throughput
// (messages per second), the rest for latency (microseconds).
type Sample struct {
	Rate   float64 `json:"rate"`
	Median float64 `json:"median"`
	P99    float64 `json:"p99"`
	Mean   float64 `json:"mean"`

	// CPU is the renderer main thread's CPU time during the timed part,
	// in µs per message (DevTools Performance metrics in thread ticks):
	// unlike the wall-clock figures, it barely moves when other processes
	// take the CPU, so it shows what a contender costs the page.
	CPU float64 `json:"cpu"`
}

// Results is everything a run measured.
type Results struct {
	Config   Config
	Date     time.Time
	Duration time.Duration
	Machine  Machine

	Workloads []workload
	Samples   map[string]map[string][]Sample // workload name → contender → one per round
	Order     [][]string                     // the contender order of each counted round

	// Delivery is the ns per message each contender adds between the
	// browser's message event and the page's listener ("raw": the listener
	// alone, "dispatch": EventTarget.dispatchEvent); Crossings the calls
	// between JS and Go while a WSBeat.Socket echoes messages.
	Delivery  map[string]float64
	Crossings Crossings

	Startup Startup
	Memory  map[string]*Memory // "wsbeat", "raw"
	Idle    []*Idle
	Size    *Size

	Errors []string // what pages reported as errors; must be empty
}

// Crossings counts calls between JS and Go during Messages echoes.
type Crossings struct {
	ToGo     int            `json:"toGo"`   // engine functions called from JS
	FromGo   int            `json:"fromGo"` // socket methods called by Go
	Names    map[string]int `json:"names"`
	Messages int            `json:"messages"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int
	CPU       string
	Go        string
	Browser   string
	V8        string
	Isolated  bool // crossOriginIsolated: performance.now() at 5 µs, not 100 µs
	UserAgent string
	LoadStart string // 1-minute load average when the run began
	LoadEnd   string
}

// Startup holds the start-up samples in milliseconds from inserting the
// script tag to running.
type Startup struct {
	WSBeat, Empty           []float64
	WSBeatInner, EmptyInner []float64 // from the loader's start, as WSBeat.startupMs
	WSBeatEncoded           float64   // bytes of wsbeat.wasm on the wire
	EmptyEncoded            float64
	Early                   EarlyUse

	// Steps time each step on its own, for both programs.
	WSBeatSteps, EmptySteps []Steps
}

// Steps is one start-up taken apart, in milliseconds.
type Steps struct {
	Exec        float64 `json:"exec"`        // load and run wasm_exec.js
	Fetch       float64 `json:"fetch"`       // download and decode the wasm
	Compile     float64 `json:"compile"`     // WebAssembly.compile
	Instantiate float64 `json:"instantiate"` // WebAssembly.instantiate
	Run         float64 `json:"run"`         // go.run until ready
	Total       float64 `json:"total"`
}

// EarlyUse is what a socket made before WSBeat.ready did.
type EarlyUse struct {
	EngineRunning bool   `json:"engineRunning"`
	ReadyState    int    `json:"readyState"`
	Send          string `json:"send"`
	Echo          string `json:"echo"`
}

// OK reports whether the socket was usable before ready: constructed in
// CONNECTING while the engine was not running, its send queued, and its
// message echoed once the engine ran.
func (e EarlyUse) OK() bool {
	return !e.EngineRunning && e.ReadyState == 0 && e.Send == "queued" && e.Echo == "early"
}

// MemReading is one memory reading after a forced JS garbage collection.
type MemReading struct {
	JSHeap     float64 `json:"-"`
	Wasm       float64 `json:"wasm"`
	HeapAlloc  float64 `json:"heapAlloc"`
	Sys        float64 `json:"sys"`
	Funcs      float64 `json:"funcs"`
	Goroutines float64 `json:"goroutines"`
	Sockets    float64 `json:"sockets"`
	GoRefs     float64 `json:"goRefs"` // JS values the Go program references
}

// Memory holds the readings of one contender: after warm-up, after all
// messages, after the reconnects, and after as many reconnects again,
// which tells a leak (still growing) from a heap finding its size.
type Memory struct {
	Warm, Messages, Reconnects, Reconnects2 MemReading
}

// Idle is one idle socket watched for timer wake-ups.
type Idle struct {
	Label      string
	Contender  string
	Options    map[string]any
	Interval   time.Duration // heartbeat interval, 0 for none
	Elapsed    time.Duration
	Fired      []Fired
	Scheduled  int
	Heartbeats int
	Messages   int
	Closes     int
}

// Fired is one timer callback that ran while the socket was idle.
type Fired struct {
	Kind  string  `json:"kind"`
	Delay float64 `json:"delay"` // ms asked for
	At    float64 `json:"at"`    // ms since the idle window began
}

// PerMinute returns the wake-ups per minute.
func (i *Idle) PerMinute() float64 {
	if i.Elapsed <= 0 {
		return 0
	}
	return float64(len(i.Fired)) / i.Elapsed.Minutes()
}

// NeededPerMinute is what the heartbeat needs: one wake-up per interval of
// inbound silence, to send a ping; the answer is a message, not a timer.
func (i *Idle) NeededPerMinute() float64 {
	if i.Interval <= 0 {
		return 0
	}
	return float64(time.Minute) / float64(i.Interval)
}

// run drives one whole benchmark. It fails tb on a broken instrument (a
// page that does not load, a contender that loses messages), never on a
// figure: figures are judged by the report.
func run(tb testing.TB, cfg Config) *Results {
	tb.Helper()
	logf := cfg.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	start := time.Now()
	root := browsertest.RepoRoot(tb)
	for _, f := range []string{"dist/wsbeat.js", "dist/wsbeat.wasm", "dist/wasm_exec.js",
		"node_modules/reconnecting-websocket/dist/reconnecting-websocket-iife.js",
		"node_modules/partysocket/dist/index.js"} {
		if _, err := os.Stat(filepath.Join(root, f)); err != nil {
			tb.Fatalf("bench: %s is missing; run make build deps first", f)
		}
	}
	res := &Results{
		Config:  cfg,
		Date:    start,
		Samples: map[string]map[string][]Sample{},
		Memory:  map[string]*Memory{},
	}
	res.Machine = machine()

	// The empty Go program, built and precompressed like dist/, is served
	// from its own directory by a second static server of the same kind.
	build, err := os.MkdirTemp("", "wsbeat-bench-")
	if err != nil {
		tb.Fatalf("bench: %v", err)
	}
	tb.Cleanup(func() { os.RemoveAll(build) })
	logf("building the empty Go program")
	if err := buildEmpty(root, build); err != nil {
		tb.Fatalf("bench: %v", err)
	}

	engineQuery := ""
	if cfg.Engine != "" {
		data, err := os.ReadFile(cfg.Engine)
		if err == nil {
			err = os.WriteFile(filepath.Join(build, "engine.wasm"), data, 0o644)
		}
		if err != nil {
			tb.Fatalf("bench: engine: %v", err)
		}
		engineQuery = "?wasm=engine.wasm"
		logf("running the pages on %s", cfg.Engine)
	}

	srv := startServer(tb, root, build)
	b := browsertest.NewBrowser(tb, &browsertest.Options{
		Timeout: 15 * time.Minute,
		// Every start-up sample fetches and compiles from nothing: no HTTP
		// cache, hence no cached wasm code either.
		ExtraFlags: map[string]any{"disable-http-cache": true},
	})

	var pages []*browsertest.Page
	newPage := func(path string) *browsertest.Page {
		p := b.NewPage(tb, srv.URL+path)
		pages = append(pages, p)
		return p
	}
	closePage := func(p *browsertest.Page) {
		res.Errors = append(res.Errors, pageErrors(p)...)
		ctx, cancel := context.WithTimeout(p.Ctx(), 10*time.Second)
		defer cancel()
		chromedp.Cancel(ctx)
		for i, q := range pages {
			if q == p {
				pages = append(pages[:i], pages[i+1:]...)
				break
			}
		}
	}
	defer func() {
		for _, p := range pages {
			res.Errors = append(res.Errors, pageErrors(p)...)
		}
	}()

	// --- messages: one page, contenders interleaved, rotated per round ---
	p := newPage("/e2e/bench/page.html" + engineQuery)
	type pageInfo struct {
		Isolated  bool   `json:"isolated"`
		UserAgent string `json:"userAgent"`
	}
	info := browsertest.Eval[pageInfo](tb, p, `bench.ready()`)
	res.Machine.Isolated = info.Isolated
	res.Machine.UserAgent = info.UserAgent
	res.Machine.Browser, res.Machine.V8 = browserVersion(tb, p)
	enableCPUMetrics(tb, p)

	names := contenders
	res.Workloads = cfg.workloads(1)
	rounds := cfg.Rounds
	first := 0
	if cfg.Warmup {
		first = -1
	}
	for r := first; r < rounds; r++ {
		ws := res.Workloads
		if r < 0 {
			ws = cfg.workloads(4)
		}
		order := rotate(names, max(r, 0))
		if r >= 0 {
			res.Order = append(res.Order, order)
		}
		t0 := time.Now()
		for _, w := range ws {
			for _, c := range order {
				s := measure(tb, p, c, w)
				if r < 0 {
					continue
				}
				m := res.Samples[w.Name()]
				if m == nil {
					m = map[string][]Sample{}
					res.Samples[w.Name()] = m
				}
				m[c] = append(m[c], s)
			}
		}
		if r < 0 {
			logf("warm-up round done in %v", time.Since(t0).Round(time.Millisecond))
		} else {
			logf("round %d/%d done in %v (order %s)", r+1, rounds, time.Since(t0).Round(time.Millisecond), strings.Join(order, " "))
		}
	}
	// The per-message path taken apart, in the same page.
	res.Delivery = map[string]float64{}
	for _, c := range append([]string{"dispatch"}, names...) {
		type cost struct {
			NS float64 `json:"ns"`
		}
		d, err := browsertest.EvalErr[cost](p, fmt.Sprintf(`bench.deliveryCost(%q, %d)`, c, 100000), time.Minute)
		if err != nil {
			tb.Fatalf("bench: %v", err)
		}
		res.Delivery[c] = d.NS
	}
	res.Crossings = browsertest.Eval[Crossings](tb, p, fmt.Sprintf(`bench.crossings(%d)`, max(1, cfg.Small)))
	closePage(p)

	// --- memory: a fresh page per contender, one long-lived socket ---
	for _, c := range []string{"wsbeat", "raw"} {
		if cfg.MemMessages <= 0 {
			break
		}
		t0 := time.Now()
		p := newPage("/e2e/bench/page.html" + engineQuery)
		browsertest.Eval[pageInfo](tb, p, `bench.ready()`)
		res.Memory[c] = measureMemory(tb, p, c, cfg)
		closePage(p)
		logf("memory of %s measured in %v", c, time.Since(t0).Round(time.Millisecond))
	}

	// --- start-up: a fresh page per sample, the two loaders alternating ---
	t0 := time.Now()
	for i := 0; i < cfg.Startup; i++ {
		for _, which := range rotate([]string{"wsbeat", "empty"}, i) {
			p := newPage("/e2e/bench/startup.html")
			type started struct {
				MS      float64 `json:"ms"`
				Inner   float64 `json:"inner"`
				Encoded float64 `json:"encoded"`
			}
			s, err := browsertest.EvalErr[started](p, `start("`+which+`")`, time.Minute)
			if err != nil {
				tb.Fatalf("bench: start-up of %s: %v", which, err)
			}
			if which == "wsbeat" {
				res.Startup.WSBeat = append(res.Startup.WSBeat, s.MS)
				res.Startup.WSBeatInner = append(res.Startup.WSBeatInner, s.Inner)
				res.Startup.WSBeatEncoded = s.Encoded
			} else {
				res.Startup.Empty = append(res.Startup.Empty, s.MS)
				res.Startup.EmptyInner = append(res.Startup.EmptyInner, s.Inner)
				res.Startup.EmptyEncoded = s.Encoded
			}
			closePage(p)
		}
	}
	for i := 0; i < (cfg.Startup+1)/2; i++ {
		for _, which := range rotate([]string{"wsbeat", "empty"}, i) {
			p := newPage("/e2e/bench/startup.html")
			s, err := browsertest.EvalErr[Steps](p, `breakdown("`+which+`")`, time.Minute)
			if err != nil {
				tb.Fatalf("bench: start-up steps of %s: %v", which, err)
			}
			if which == "wsbeat" {
				res.Startup.WSBeatSteps = append(res.Startup.WSBeatSteps, s)
			} else {
				res.Startup.EmptySteps = append(res.Startup.EmptySteps, s)
			}
			closePage(p)
		}
	}
	if cfg.Startup > 0 {
		p := newPage("/e2e/bench/startup.html")
		res.Startup.Early = browsertest.Eval[EarlyUse](tb, p, `usableEarly()`)
		closePage(p)
		logf("start-up measured in %v", time.Since(t0).Round(time.Millisecond))
	}

	// --- idle: every contender in its own page, watched at once; sizes
	// are measured meanwhile, which costs the idle pages nothing ---
	if cfg.Idle > 0 {
		t0 := time.Now()
		type idleCase struct {
			label, contender string
			opts             map[string]any
			interval         time.Duration
			p                *browsertest.Page
		}
		cases := []*idleCase{
			{label: "WSBeat.Socket, default heartbeat (25 s)", contender: "wsbeat", interval: 25 * time.Second},
			{label: "WSBeat.Socket, heartbeat 2.5 s / timeout 1 s (default ÷ 10)", contender: "wsbeat",
				opts: map[string]any{"heartbeatInterval": 2500, "heartbeatTimeout": 1000}, interval: 2500 * time.Millisecond},
			{label: contenderNames["raw"], contender: "raw"},
			{label: contenderNames["rws"], contender: "rws"},
			{label: contenderNames["partysocket"], contender: "partysocket"},
		}
		for _, c := range cases {
			c.p = newPage("/e2e/bench/idle.html" + engineQuery)
			browsertest.WaitFor(tb, c.p, `typeof window.PartyWS === "function"`, 20*time.Second)
			browsertest.Eval[bool](tb, c.p, fmt.Sprintf(`WSBeat.ready.then(() => idle(%q, %s, 0))`, c.contender, jsonString(c.opts)))
		}
		watchStart := time.Now()
		if cfg.Size {
			logf("idle sockets open; measuring sizes meanwhile")
			res.Size = measureSize(tb, root, build)
		}
		time.Sleep(time.Until(watchStart.Add(cfg.Idle)))
		for _, c := range cases {
			type idleOut struct {
				MS         float64 `json:"ms"`
				Fired      []Fired `json:"fired"`
				Scheduled  int     `json:"scheduled"`
				Heartbeats int     `json:"heartbeats"`
				Messages   int     `json:"messages"`
				Closes     int     `json:"closes"`
			}
			o := browsertest.Eval[idleOut](tb, c.p, `idleDone()`)
			res.Idle = append(res.Idle, &Idle{
				Label: c.label, Contender: c.contender, Options: c.opts, Interval: c.interval,
				Elapsed: time.Duration(o.MS * float64(time.Millisecond)), Fired: o.Fired, Scheduled: o.Scheduled,
				Heartbeats: o.Heartbeats, Messages: o.Messages, Closes: o.Closes,
			})
			closePage(c.p)
		}
		logf("idle cost measured in %v", time.Since(t0).Round(time.Millisecond))
	} else if cfg.Size {
		res.Size = measureSize(tb, root, build)
	}

	res.Duration = time.Since(start)
	res.Machine.LoadEnd = loadAverage()
	return res
}

// measure runs one workload for one contender after a forced garbage
// collection, so that no run pays for the garbage of the one before.
func measure(tb testing.TB, p *browsertest.Page, contender string, w workload) Sample {
	tb.Helper()
	collectGarbage(tb, p)
	expr := fmt.Sprintf(`bench.prepare(%q, %q, %q, %d, %d)`, w.Kind, contender, w.Mode, w.Size, w.Count)
	if _, err := browsertest.EvalErr[bool](p, expr, time.Minute); err != nil {
		tb.Fatalf("bench: %v", err)
	}
	cpu0 := mainThreadCPU(tb, p)
	s, err := browsertest.EvalErr[Sample](p, `bench.run()`, 2*time.Minute)
	if err != nil {
		tb.Fatalf("bench: %s: %v", expr, err)
	}
	s.CPU = (mainThreadCPU(tb, p) - cpu0) * 1e6 / float64(w.Count)
	if _, err := browsertest.EvalErr[bool](p, `bench.finish()`, time.Minute); err != nil {
		tb.Fatalf("bench: %v", err)
	}
	return s
}

// enableCPUMetrics makes DevTools measure task durations in thread ticks,
// the CPU time of the renderer's main thread.
func enableCPUMetrics(tb testing.TB, p *browsertest.Page) {
	tb.Helper()
	onTarget(tb, p, "Performance.enable", func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, performance.Enable, performance.EnableParams{TimeDomain: performance.EnableTimeDomainThreadTicks})
		return err
	})
}

// mainThreadCPU is the renderer main thread's TaskDuration in seconds.
func mainThreadCPU(tb testing.TB, p *browsertest.Page) float64 {
	tb.Helper()
	var v float64
	found := false
	onTarget(tb, p, "Performance.getMetrics", func(ctx context.Context, t *chromedp.Target) error {
		m, err := cdp.Call(ctx, t, performance.GetMetrics, cdp.Empty{})
		for _, x := range m.Metrics {
			if x.Name == "TaskDuration" {
				v, found = x.Value, true
			}
		}
		return err
	})
	if !found {
		tb.Fatalf("bench: Performance.getMetrics has no TaskDuration")
	}
	return v
}

func measureMemory(tb testing.TB, p *browsertest.Page, contender string, cfg Config) *Memory {
	tb.Helper()
	step := func(expr string) MemReading {
		if _, err := browsertest.EvalErr[any](p, expr, 5*time.Minute); err != nil {
			tb.Fatalf("bench: memory of %s: %v", contender, err)
		}
		collectGarbage(tb, p)
		collectGarbage(tb, p)
		m := browsertest.Eval[MemReading](tb, p, `bench.memRead()`)
		m.JSHeap = heapUsed(tb, p)
		return m
	}
	m := &Memory{}
	browsertest.Eval[bool](tb, p, fmt.Sprintf(`bench.memOpen(%q)`, contender))
	m.Warm = step(fmt.Sprintf(`bench.memPump(%d)`, cfg.MemWarm))
	m.Messages = step(fmt.Sprintf(`bench.memPump(%d)`, cfg.MemMessages-cfg.MemWarm))
	m.Reconnects = step(fmt.Sprintf(`bench.memReconnect(%d)`, cfg.MemReconnects))
	if contender == "wsbeat" {
		// The plateau check; the raw WebSocket has no heap of its own to
		// settle, and its page is only the floor.
		m.Reconnects2 = step(fmt.Sprintf(`bench.memReconnect(%d)`, cfg.MemReconnects))
	}
	browsertest.Eval[bool](tb, p, `bench.memClose()`)
	return m
}

// rotate returns s started at its i-th element, so that no contender
// always runs first (on a cold JIT) or last (on a full heap).
func rotate(s []string, i int) []string {
	if len(s) == 0 {
		return nil
	}
	i %= len(s)
	return append(append([]string(nil), s[i:]...), s[:i]...)
}

// onTarget runs f against the page's target with a bounded context.
func onTarget(tb testing.TB, p *browsertest.Page, what string, f func(ctx context.Context, t *chromedp.Target) error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Func(f)); err != nil {
		tb.Fatalf("bench: %s: %v", what, err)
	}
}

func collectGarbage(tb testing.TB, p *browsertest.Page) {
	tb.Helper()
	onTarget(tb, p, "HeapProfiler.collectGarbage", func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, heapprofiler.CollectGarbage, cdp.Empty{})
		return err
	})
}

// heapUsed is the page's used JS heap from DevTools, which, unlike
// performance.memory, is exact and not rounded.
func heapUsed(tb testing.TB, p *browsertest.Page) float64 {
	tb.Helper()
	var used float64
	onTarget(tb, p, "Runtime.getHeapUsage", func(ctx context.Context, t *chromedp.Target) error {
		u, err := cdp.Call(ctx, t, cdpruntime.GetHeapUsage, cdp.Empty{})
		used = u.UsedSize
		return err
	})
	return used
}

func browserVersion(tb testing.TB, p *browsertest.Page) (product, v8 string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(p.Ctx(), 30*time.Second)
	defer cancel()
	c := chromedp.FromContext(p.Ctx())
	v, err := cdp.Call(ctx, c.Browser, browser.GetVersion, cdp.Empty{})
	if err != nil {
		tb.Fatalf("bench: Browser.getVersion: %v", err)
	}
	return v.Product, v.JsVersion
}

func pageErrors(p *browsertest.Page) []string {
	return p.ConsoleErrors()
}

// startServer serves the repository like browsertest.StartServer (the
// real echo server: /echo, /control, static files precompressed by
// Accept-Encoding) and the empty program's directory under /bench-build/.
// Pages are made cross-origin isolated, which is what gives
// performance.now() 5 µs resolution instead of 100 µs: round trips are a
// few hundred µs.
func startServer(tb testing.TB, root, build string) *httptest.Server {
	tb.Helper()
	main := echo.New(echo.Config{Root: root, Control: true})
	empty := echo.New(echo.Config{Root: build})
	mux := http.NewServeMux()
	mux.Handle("/bench-build/", http.StripPrefix("/bench-build", empty))
	mux.Handle("/", main)
	isolated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/echo" {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		mux.ServeHTTP(w, r)
	})
	ts := httptest.NewUnstartedServer(isolated)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := main.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			tb.Logf("bench: shutting the echo server down: %v", err)
		}
		ts.Close()
	})
	return ts
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadAverage()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAverage is the 1-minute load average, or "?" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// jsonString renders options for a page expression; nil is null, which
// the page reads as "defaults".
func jsonString(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only numbers and strings go in
	}
	return string(b)
}
