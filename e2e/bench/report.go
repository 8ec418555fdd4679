//go:build !js

package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Markdown writes BENCHMARKS.md.
func (r *Results) Markdown(w io.Writer, chart string) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	m := r.Machine
	p("# Benchmarks\n\n")
	p("Written by `make bench` (`go run ./bench` in e2e/) from the run of %s; do not edit by hand.\n\n",
		r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("- Machine: %d CPUs (`nproc`), %s; Go %s; %s (V8 %s), headless.\n", m.CPUs, m.CPU, strings.TrimPrefix(m.Go, "go"), m.Browser, m.V8)
	p("- Instrument: one Chromium, driven by chromedp with the DevTools Network domain switched off on every page "+
		"(e2e/internal/browsertest), so no WebSocket frame is reported to the driver. The echo server is `server/echo` "+
		"in-process on 127.0.0.1, serving `dist/` precompressed; the bench only adds the COOP/COEP headers that make "+
		"pages cross-origin isolated (crossOriginIsolated = %t), which gives `performance.now()` 5 µs resolution "+
		"instead of 100 µs. The browser's HTTP cache is off.\n", m.Isolated)
	p("- Messages: one page, %d counted rounds after a warm-up round at a quarter of the counts; in each round every "+
		"workload runs once per contender, the contender order rotated by one each round (A B C D, B C D A, …). "+
		"Every sample opens a new connection with default options (binaryType set as a property), echoes 200 "+
		"untimed messages (100 for latency), then times the workload; DevTools forces a JS garbage collection before "+
		"each sample. Figures are medians over the rounds with [min–max]; the ratio in bold is the median of the "+
		"per-round ratios against the raw WebSocket of the same round (each pair ran seconds apart, so a slow spell "+
		"of the machine moves both).\n", r.Config.Rounds)
	p("- The whole run took %v. Load average (1 min) at its start %s, at its end %s: the machine is shared with "+
		"other work, which is the main source of noise between rounds.\n", r.Duration.Round(time.Second), m.LoadStart, m.LoadEnd)
	if raw := r.rawSmallText(); raw > 0 && raw < 5000 {
		p("- **Warning**: the raw WebSocket echoed only %s 64-byte messages per second; expect 14 000 or more. "+
			"The instrument is suspect (is the DevTools Network domain on?).\n", num(raw))
	}
	p("\n")
	if chart != "" {
		p("![Ratios against the raw WebSocket and the empty Go program](%s)\n\n", chart)
	}

	p("## Budgets (issue 6), for WSBeat.Socket\n\n")
	p("| budget | measured | ratio | limit | result |\n|---|---|---:|---:|---|\n")
	for _, b := range r.Budgets() {
		ratio := fmt.Sprintf("%.3f×", b.Ratio)
		if b.Name == "sockets usable before ready" {
			ratio = "–"
		}
		limit := b.LimitText()
		if b.Name == "sockets usable before ready" {
			limit = "yes"
		}
		p("| %s | %s | %s | %s | **%s** |\n", b.Name, b.Figure, ratio, limit, b.Verdict())
	}
	p("\n")

	names := r.names()
	p("## Throughput (messages per second, pipelined echoes)\n\n")
	r.workloadTable(w, "throughput", names, func(s stat) string {
		return fmt.Sprintf("%s [%s–%s]", num(s.Median), num(s.Min), num(s.Max))
	})
	p("## Renderer main-thread CPU (µs per message, throughput workloads)\n\n")
	p("The CPU time of the page's main thread during the timed part (DevTools Performance metrics, TaskDuration in " +
		"thread ticks), per message: median [min–max] and the median per-round ratio against raw. Other processes on " +
		"the machine stretch the wall-clock figures above but hardly this one, so this is the cleaner measure of what " +
		"a wrapper costs the page.\n\n")
	fmt.Fprintf(w, "| workload |")
	for _, c := range names {
		fmt.Fprintf(w, " %s |", label(c))
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(names)))
	for _, wl := range r.Workloads {
		if wl.Kind != "throughput" {
			continue
		}
		fmt.Fprintf(w, "| %s %s ×%s |", wl.Mode, sizeLabel(wl.Size), num(float64(wl.Count)))
		for _, c := range names {
			s := statOf(r.values(wl, c, func(s Sample) float64 { return s.CPU }))
			fmt.Fprintf(w, " %.1f [%.1f–%.1f] **%.2f×** |", s.Median, s.Min, s.Max, r.cpuRatios(wl, c).Median)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)

	p("## Round-trip latency (µs, sequential echoes)\n\n")
	p("Median of the per-round medians [min–max], the ratio, and the median per-round p99.\n\n")
	r.workloadTable(w, "latency", names, func(s stat) string {
		return fmt.Sprintf("%.0f [%.0f–%.0f]", s.Median, s.Min, s.Max)
	})

	if len(r.Delivery) > 0 {
		c := r.Crossings
		p("## The per-message path\n\n")
		p("While a WSBeat.Socket echoed %s messages, JS called into Go %d times and Go into JS %d times%s.\n\n",
			num(float64(c.Messages)), c.ToGo, c.FromGo, crossingNames(c.Names))
		p("What each contender runs between the browser's `message` event and the page's listener, timed by calling " +
			"the handler it gives the native WebSocket with one 64-byte MessageEvent 100 000 times (best of 5). " +
			"`dispatch` is `EventTarget.dispatchEvent` to one listener, about what the browser's own dispatch costs; " +
			"raw is the listener alone.\n\n")
		p("| path | ns per message | added to raw |\n|---|---:|---:|\n")
		for _, k := range append([]string{"dispatch"}, names...) {
			v, ok := r.Delivery[k]
			if !ok {
				continue
			}
			name := "EventTarget.dispatchEvent"
			if k != "dispatch" {
				name = label(k)
			}
			p("| %s | %.0f | %+.0f |\n", name, v, v-r.Delivery["raw"])
		}
		p("\n")
	}

	if st := r.Startup; len(st.WSBeat) > 0 {
		a, b := statOf(st.WSBeat), statOf(st.Empty)
		p("## Start-up (ms, from inserting the script tag to running)\n\n")
		p("%d samples each, every sample in a fresh page, the two loaders alternating; the wasm comes over the wire "+
			"brotli-compressed (wsbeat.wasm: %s encoded, empty: %s) and is compiled from nothing (no HTTP or code cache).\n\n",
			len(st.WSBeat), kb(int64(st.WSBeatEncoded)), kb(int64(st.EmptyEncoded)))
		p("| program | to running, median [min–max] | ratio | loader start to running (median) |\n|---|---|---:|---:|\n")
		p("| empty Go program (e2e/bench/emptywasm, same wasm_exec.js, same loading steps) | %.0f [%.0f–%.0f] | 1.00× | %.0f |\n",
			b.Median, b.Min, b.Max, statOf(st.EmptyInner).Median)
		p("| wsbeat.js → `WSBeat.ready` | %.0f [%.0f–%.0f] | %.2f× | %.0f (`WSBeat.startupMs`) |\n\n",
			a.Median, a.Min, a.Max, a.Median/b.Median, statOf(st.WSBeatInner).Median)
		if len(st.WSBeatSteps) > 0 {
			p("Taken apart (%d samples each, fresh pages; the steps run one after the other, without streaming "+
				"compilation, so the total is above the figures above):\n\n", len(st.WSBeatSteps))
			p("| step (median ms) | empty Go | wsbeat | ratio |\n|---|---:|---:|---:|\n")
			for _, step := range []struct {
				name string
				f    func(Steps) float64
			}{
				{"load wasm_exec.js", func(s Steps) float64 { return s.Exec }},
				{"fetch the wasm (download, brotli decoding)", func(s Steps) float64 { return s.Fetch }},
				{"WebAssembly.compile", func(s Steps) float64 { return s.Compile }},
				{"WebAssembly.instantiate", func(s Steps) float64 { return s.Instantiate }},
				{"go.run until ready (runtime and package init, main)", func(s Steps) float64 { return s.Run }},
				{"total", func(s Steps) float64 { return s.Total }},
			} {
				e, w := stepStat(st.EmptySteps, step.f), stepStat(st.WSBeatSteps, step.f)
				p("| %s | %.1f | %.1f | %.2f× |\n", step.name, e, w, w/e)
			}
			p("\n")
		}
		p("Before `ready`: a socket constructed right after wsbeat.js ran (engine not running: %t) had readyState %d, "+
			"`send()` returned %q, and its echo %q arrived once the engine ran.\n\n",
			!st.Early.EngineRunning, st.Early.ReadyState, st.Early.Send, st.Early.Echo)
	}

	if s := r.Size; s != nil {
		p("## Size\n\n")
		p("Both built by the same toolchain with the Makefile's flags (`-trimpath -ldflags='-s -w'`), compressed by " +
			"make build's `e2e/cmd/precompress` (gzip -9, brotli 11). 1 KB = 1000 bytes.\n\n")
		p("| file | raw | gzip | brotli |\n|---|---:|---:|---:|\n")
		p("| empty Go program | %s | %s | %s |\n", num(float64(s.Empty.Raw)), num(float64(s.Empty.Gzip)), num(float64(s.Empty.Brotli)))
		p("| dist/wsbeat.wasm | %s | %s | %s |\n", num(float64(s.WSBeat.Raw)), num(float64(s.WSBeat.Gzip)), num(float64(s.WSBeat.Brotli)))
		p("| ratio | %.2f× | %.2f× | %.2f× |\n\n", float64(s.WSBeat.Raw)/float64(s.Empty.Raw),
			float64(s.WSBeat.Gzip)/float64(s.Empty.Gzip), float64(s.WSBeat.Brotli)/float64(s.Empty.Brotli))
		budget := int64(1.45 * float64(s.Empty.Brotli))
		if over := s.WSBeat.Brotli - budget; over > 0 {
			p("The budget (1.45× the empty program's brotli) is %s; wsbeat.wasm is %s (%.0f%%) over it.\n\n",
				num(float64(budget)), num(float64(over)), 100*float64(over)/float64(s.WSBeat.Brotli))
		} else {
			p("The budget (1.45× the empty program's brotli) is %s; wsbeat.wasm is %s under it.\n\n",
				num(float64(budget)), num(float64(-over)))
		}
		p("### Where the bytes are\n\n")
		p("Wasm sections of builds with symbols (same code, plus the name section):\n\n")
		p("| section | wsbeat | empty | added |\n|---|---:|---:|---:|\n")
		for _, sec := range s.Sections {
			p("| %s | %s | %s | %s |\n", sec.Name, num(float64(sec.WSBeat)), num(float64(sec.Empty)), num(float64(sec.WSBeat-sec.Empty)))
		}
		p("\nCode by Go package (function bodies in the code section; the data section, with pclntab, type data and " +
			"strings, grows roughly with it), the largest additions over the empty program:\n\n")
		p("| package | wsbeat | empty | added |\n|---|---:|---:|---:|\n")
		for i, ps := range s.Packages {
			if i == 25 {
				break
			}
			p("| %s | %s | %s | %s |\n", ps.Package, num(float64(ps.WSBeat)), num(float64(ps.Empty)), num(float64(ps.WSBeat-ps.Empty)))
		}
		p("\n")
	}

	if len(r.Memory) > 0 {
		c := r.Config
		p("## Memory\n\n")
		p("One long-lived socket per contender, each in a fresh page: %s echoes (warm-up), then %s in all "+
			"(pipelined in batches of 10 000), then %s reconnects (`reconnect()`, then the next `open`; a new WebSocket "+
			"for raw), then as many again, which tells a leak (still growing) from a heap settling at its size. Each reading follows two forced JS garbage collections (DevTools HeapProfiler.collectGarbage); "+
			"the JS heap is Runtime.getHeapUsage's usedSize, the wasm memory is the Go instance's "+
			"`exports.mem.buffer.byteLength`. Go's own heap (`WSBeat.stats()`) is not collected first and is shown for "+
			"information.\n\n", num(float64(c.MemWarm)), num(float64(c.MemMessages)), num(float64(c.MemReconnects)))
		p("| contender: figure | after warm-up | after %s messages | after %s reconnects | after %s reconnects |\n|---|---:|---:|---:|---:|\n",
			num(float64(c.MemMessages)), num(float64(c.MemReconnects)), num(float64(2*c.MemReconnects)))
		for _, name := range []string{"wsbeat", "raw"} {
			mm := r.Memory[name]
			if mm == nil {
				continue
			}
			row := func(what string, f func(MemReading) float64, bytes bool) {
				cell := func(x float64, growth bool) string {
					s := num(x)
					if bytes {
						s = kb(int64(x))
					}
					if growth && f(mm.Warm) > 0 {
						s += fmt.Sprintf(" (%+.1f%%)", 100*(x/f(mm.Warm)-1))
					}
					return s
				}
				second := "–"
				if name == "wsbeat" {
					second = cell(f(mm.Reconnects2), true)
				}
				p("| %s: %s | %s | %s | %s | %s |\n", name, what, cell(f(mm.Warm), false), cell(f(mm.Messages), true),
					cell(f(mm.Reconnects), true), second)
			}
			row("JS heap", func(m MemReading) float64 { return m.JSHeap }, true)
			row("wasm memory", func(m MemReading) float64 { return m.Wasm }, true)
			if name == "wsbeat" {
				row("Go heapAlloc", func(m MemReading) float64 { return m.HeapAlloc }, true)
				row("Go sys", func(m MemReading) float64 { return m.Sys }, true)
				row("live js.Funcs", func(m MemReading) float64 { return m.Funcs }, false)
				row("goroutines", func(m MemReading) float64 { return m.Goroutines }, false)
				row("JS values held by Go", func(m MemReading) float64 { return m.GoRefs }, false)
			}
		}
		p("\nThe raw rows are the page's own floor (its page also loads wsbeat.js, whose idle engine is its wasm memory).\n\n")
	}

	if len(r.Idle) > 0 {
		p("## Idle cost (timer wake-ups of an open, silent socket)\n\n")
		p("Counted by a `setTimeout`/`setInterval` wrapper installed before any library loads (the Go runtime "+
			"schedules its timers through wasm_exec.js's `setTimeout`); every socket in its own page, all watched over "+
			"the same %v window that starts once the socket is open. The 2.5 s row runs the default's timing ten times "+
			"faster, to show the pattern over many heartbeats; per heartbeat it scales to the default.\n\n", r.Config.Idle)
		p("| socket | window | wake-ups | per minute | heartbeat needs | pings answered | timers asked for (ms: count) |\n|---|---:|---:|---:|---:|---:|---|\n")
		for _, i := range r.Idle {
			need := "–"
			if i.Interval > 0 {
				need = fmt.Sprintf("%.1f/min", i.NeededPerMinute())
			}
			p("| %s | %.0f s | %d | %.1f | %s | %d | %s |\n", i.Label, i.Elapsed.Seconds(), len(i.Fired), i.PerMinute(),
				need, i.Heartbeats, delays(i.Fired))
		}
		p("\n")
	}

	p("## Notes on the misses\n\n")
	p("[e2e/bench/notes.md](e2e/bench/notes.md), written by hand after the run, says why each miss happens, what was " +
		"measured beyond this run and what each fix would buy.\n\n")

	p("## Page errors\n\n")
	if len(r.Errors) == 0 {
		p("None: no page logged an error or threw.\n")
	} else {
		for _, e := range r.Errors {
			p("- `%s`\n", e)
		}
	}
}

func crossingNames(m map[string]int) string {
	if len(m) == 0 {
		return ""
	}
	var parts []string
	for k, v := range m {
		parts = append(parts, fmt.Sprintf("%s ×%d", k, v))
	}
	slices.Sort(parts)
	return " (" + strings.Join(parts, ", ") + ")"
}

func stepStat(ss []Steps, f func(Steps) float64) float64 {
	var xs []float64
	for _, s := range ss {
		xs = append(xs, f(s))
	}
	return statOf(xs).Median
}

// rawSmallText is the raw WebSocket's median for 64-byte text, the sanity
// figure of the perf notes.
func (r *Results) rawSmallText() float64 {
	for _, w := range r.Workloads {
		if w.Kind == "throughput" && w.Mode == "text" && w.Size == 64 {
			return r.figure(w, "raw").Median
		}
	}
	return 0
}

func (r *Results) names() []string {
	var out []string
	for _, c := range contenders {
		for _, w := range r.Workloads {
			if len(r.Samples[w.Name()][c]) > 0 {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

func label(c string) string {
	if n, ok := contenderNames[c]; ok {
		return n
	}
	return c
}

func (r *Results) workloadTable(w io.Writer, kind string, names []string, cell func(stat) string) {
	fmt.Fprintf(w, "| workload |")
	for _, c := range names {
		fmt.Fprintf(w, " %s |", label(c))
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(names)))
	for _, wl := range r.Workloads {
		if wl.Kind != kind {
			continue
		}
		fmt.Fprintf(w, "| %s %s ×%s |", wl.Mode, sizeLabel(wl.Size), num(float64(wl.Count)))
		for _, c := range names {
			s := r.figure(wl, c)
			extra := ""
			if kind == "latency" {
				extra = fmt.Sprintf(", p99 %.0f", statOf(r.values(wl, c, func(s Sample) float64 { return s.P99 })).Median)
			}
			fmt.Fprintf(w, " %s **%.2f×**%s |", cell(s), r.ratio(wl, c), extra)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)
}

// delays summarizes the timers that fired by the delay they asked for.
func delays(fs []Fired) string {
	if len(fs) == 0 {
		return "none"
	}
	count := map[float64]int{}
	for _, f := range fs {
		count[math.Round(f.Delay)]++
	}
	var keys []float64
	for k := range count {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", num(k), count[k]))
	}
	return strings.Join(parts, ", ")
}

// Summary writes the console summary: the budgets and the main figures.
func (r *Results) Summary(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("\nwsbeat benchmarks: %d CPUs %s, %s, %s, %d rounds, %v, load average %s → %s\n", r.Machine.CPUs, r.Machine.CPU,
		r.Machine.Browser, r.Machine.Go, r.Config.Rounds, r.Duration.Round(time.Second), r.Machine.LoadStart, r.Machine.LoadEnd)
	p("figures are medians; the ratio is the median of per-round ratios against raw\n\n")
	names := r.names()
	p("%-26s", "workload")
	for _, c := range names {
		p(" %22s", c)
	}
	p("\n")
	for _, wl := range r.Workloads {
		p("%-26s", wl.Name())
		for _, c := range names {
			s := r.figure(wl, c)
			unit := ""
			if wl.Kind == "latency" {
				unit = "µs"
			}
			p(" %13s%s %5.2fx", num(s.Median), unit, r.ratio(wl, c))
		}
		p("\n")
	}
	if raw := r.rawSmallText(); raw > 0 && raw < 5000 {
		p("\nWARNING: raw WebSocket 64-byte echoes at %s/s; expect 14 000 or more: the instrument is suspect\n", num(raw))
	}
	p("\n")
	for _, b := range r.Budgets() {
		if b.Name == "sockets usable before ready" {
			p("%-4s  %-44s %8s  (limit yes)    %s\n", b.Verdict(), b.Name, map[bool]string{true: "yes", false: "no"}[b.Pass], b.Figure)
			continue
		}
		p("%-4s  %-44s %7.3fx  (limit %s)  %s\n", b.Verdict(), b.Name, b.Ratio, b.LimitText(), b.Figure)
	}
	for _, i := range r.Idle {
		p("idle: %-62s %5.1f wake-ups/min\n", i.Label, i.PerMinute())
	}
	if len(r.Errors) > 0 {
		p("\npage errors:\n")
		for _, e := range r.Errors {
			p("  %s\n", e)
		}
	}
}
