//go:build !js

package main

import (
	"fmt"
	"math"
	"slices"
)

// stat is a median with the range it came from.
type stat struct {
	Median, Min, Max float64
	N                int
}

func statOf(xs []float64) stat {
	if len(xs) == 0 {
		return stat{Median: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{Median: m, Min: s[0], Max: s[len(s)-1], N: len(s)}
}

// field picks the figure of a workload from a sample.
func field(kind string) func(Sample) float64 {
	if kind == "throughput" {
		return func(s Sample) float64 { return s.Rate }
	}
	return func(s Sample) float64 { return s.Median }
}

func (r *Results) values(w workload, contender string, f func(Sample) float64) []float64 {
	var out []float64
	for _, s := range r.Samples[w.Name()][contender] {
		out = append(out, f(s))
	}
	return out
}

// figure is the median of a workload's main figure for a contender.
func (r *Results) figure(w workload, contender string) stat {
	return statOf(r.values(w, contender, field(w.Kind)))
}

// ratio is the median of a contender's per-round ratios against the raw
// WebSocket in the same round: each pair ran back to back, seconds apart,
// so a slow spell of the machine (another process, a GC) moves both and
// cancels out, where it would move a ratio of the medians.
func (r *Results) ratio(w workload, contender string) float64 {
	return r.ratios(w, contender).Median
}

// ratios are the per-round ratios against raw, as a median with its range.
func (r *Results) ratios(w workload, contender string) stat {
	f := field(w.Kind)
	c, raw := r.values(w, contender, f), r.values(w, "raw", f)
	var out []float64
	for i := range min(len(c), len(raw)) {
		out = append(out, c[i]/raw[i])
	}
	return statOf(out)
}

// cpuRatios are the per-round ratios of main-thread CPU per message
// against raw.
func (r *Results) cpuRatios(w workload, contender string) stat {
	cpu := func(s Sample) float64 { return s.CPU }
	c, raw := r.values(w, contender, cpu), r.values(w, "raw", cpu)
	var out []float64
	for i := range min(len(c), len(raw)) {
		out = append(out, c[i]/raw[i])
	}
	return statOf(out)
}

// ratioOfMedians is the plain ratio of the medians, shown next to the
// judged one.
func (r *Results) ratioOfMedians(w workload, contender string) float64 {
	return r.figure(w, contender).Median / r.figure(w, "raw").Median
}

// Budget is one line of the budgets, judged on this run.
type Budget struct {
	Name    string
	Figure  string  // what was measured, for the table
	Ratio   float64 // the judged ratio
	Limit   float64
	AtLeast bool // Ratio must be >= Limit (throughput) instead of <=
	Pass    bool
}

func (b Budget) Verdict() string {
	if b.Pass {
		return "PASS"
	}
	return "MISS"
}

func (b Budget) LimitText() string {
	if b.AtLeast {
		return fmt.Sprintf("≥ %.2f×", b.Limit)
	}
	return fmt.Sprintf("≤ %.2f×", b.Limit)
}

func judge(name, figure string, ratio, limit float64, atLeast bool) Budget {
	pass := ratio <= limit
	if atLeast {
		pass = ratio >= limit
	}
	if math.IsNaN(ratio) {
		pass = false
	}
	return Budget{Name: name, Figure: figure, Ratio: ratio, Limit: limit, AtLeast: atLeast, Pass: pass}
}

// Budgets judges the budgets for WSBeat.Socket.
func (r *Results) Budgets() []Budget {
	var out []Budget
	for _, w := range r.Workloads {
		if len(r.Samples[w.Name()]["wsbeat"]) == 0 {
			continue
		}
		f := r.figure(w, "wsbeat")
		if w.Kind == "throughput" {
			out = append(out, judge("throughput "+w.Mode+" "+sizeLabel(w.Size),
				fmt.Sprintf("%s msg/s vs %s raw; per-round ratios %s; ratio of medians %.2f×; main-thread CPU per message %.2f× raw's",
					num(f.Median), num(r.figure(w, "raw").Median), rangeText(r.ratios(w, "wsbeat")), r.ratioOfMedians(w, "wsbeat"),
					r.cpuRatios(w, "wsbeat").Median),
				r.ratio(w, "wsbeat"), 0.9, true))
		} else {
			out = append(out, judge("round trip "+w.Mode+" "+sizeLabel(w.Size),
				fmt.Sprintf("%.0f µs vs %.0f µs raw; per-round ratios %s; ratio of medians %.2f×",
					f.Median, r.figure(w, "raw").Median, rangeText(r.ratios(w, "wsbeat")), r.ratioOfMedians(w, "wsbeat")),
				r.ratio(w, "wsbeat"), 1.1, false))
		}
	}
	if st := r.Startup; len(st.WSBeat) > 0 {
		a, b := statOf(st.WSBeat), statOf(st.Empty)
		out = append(out, judge("start-up to WSBeat.ready", fmt.Sprintf("%.0f ms vs %.0f ms (empty Go)", a.Median, b.Median),
			a.Median/b.Median, 1.3, false))
		early := judge("sockets usable before ready", fmt.Sprintf("readyState %d, send %q, echo %q",
			st.Early.ReadyState, st.Early.Send, st.Early.Echo), 1, 1, false)
		early.Pass = st.Early.OK()
		out = append(out, early)
	}
	if s := r.Size; s != nil {
		out = append(out, judge("wsbeat.wasm brotli", fmt.Sprintf("%s vs %s (empty Go)", kb(s.WSBeat.Brotli), kb(s.Empty.Brotli)),
			float64(s.WSBeat.Brotli)/float64(s.Empty.Brotli), 1.45, false))
	}
	if m := r.Memory["wsbeat"]; m != nil {
		for _, g := range m.growths(r.Config) {
			out = append(out, judge(g.name, fmt.Sprintf("%s → %s", kb(int64(g.from)), kb(int64(g.to))), g.to/g.from, 1.10, false))
		}
	}
	for _, i := range r.Idle {
		if i.Contender == "wsbeat" && i.Options == nil {
			b := judge("idle timer wake-ups (default heartbeat)",
				fmt.Sprintf("%.1f/min vs %.1f/min needed", i.PerMinute(), i.NeededPerMinute()),
				i.PerMinute()/i.NeededPerMinute(), 1.0, false)
			out = append(out, b)
		}
	}
	return out
}

type growth struct {
	name     string
	from, to float64
}

func (m *Memory) growths(c Config) []growth {
	msgs := num(float64(c.MemMessages)) + " messages"
	recs := num(float64(c.MemReconnects)) + " reconnects"
	return []growth{
		{"wasm memory after " + msgs, m.Warm.Wasm, m.Messages.Wasm},
		{"wasm memory after " + recs, m.Warm.Wasm, m.Reconnects.Wasm},
		{"JS heap after " + msgs, m.Warm.JSHeap, m.Messages.JSHeap},
		{"JS heap after " + recs, m.Warm.JSHeap, m.Reconnects.JSHeap},
	}
}

func rangeText(s stat) string {
	return fmt.Sprintf("%.2f–%.2f", s.Min, s.Max)
}

// num formats a figure with thin thousands separators.
func num(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	n := int64(math.Round(x))
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + num(-x)
	}
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + " " + s[i:]
	}
	return s
}

// kb formats bytes in decimal units (1 KB = 1000 bytes), as the
// perf notes do.
func kb(n int64) string {
	switch {
	case n >= 1e6:
		return fmt.Sprintf("%.2f MB", float64(n)/1e6)
	case n >= 1e3:
		return fmt.Sprintf("%.0f KB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
