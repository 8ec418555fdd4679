//go:build !js

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/wsbeat/wsbeat/e2e/internal/browsertest"
)

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
