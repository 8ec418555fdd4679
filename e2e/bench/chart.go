//go:build !js

package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// chartRow is one group of bars: the ratios of a figure for several
// contenders, and the budget that applies to WSBeat.Socket.
type chartRow struct {
	label   string
	bars    []chartBar
	limit   float64 // 0 for none
	atLeast bool
}

type chartBar struct {
	series string
	ratio  float64
}

var seriesColor = map[string]string{
	"wsbeat":      "#2563eb",
	"rws":         "#9ca3af",
	"partysocket": "#d97706",
}

func colorOf(series string) string {
	if c, ok := seriesColor[series]; ok {
		return c
	}
	return "#059669" // prototypes
}

func (r *Results) chartRows() []chartRow {
	var rows []chartRow
	var others []string
	for _, c := range r.names() {
		if c != "raw" {
			others = append(others, c)
		}
	}
	for _, w := range r.Workloads {
		row := chartRow{limit: 0.9, atLeast: true}
		if w.Kind == "throughput" {
			row.label = fmt.Sprintf("throughput %s %s ÷ raw (↑ better)", w.Mode, sizeLabel(w.Size))
		} else {
			row.label = fmt.Sprintf("round trip %s %s ÷ raw (↓ better)", w.Mode, sizeLabel(w.Size))
			row.limit, row.atLeast = 1.1, false
		}
		for _, c := range others {
			row.bars = append(row.bars, chartBar{c, r.ratio(w, c)})
		}
		rows = append(rows, row)
	}
	if st := r.Startup; len(st.WSBeat) > 0 {
		rows = append(rows, chartRow{label: "start-up to ready ÷ empty Go (↓ better)", limit: 1.3,
			bars: []chartBar{{"wsbeat", statOf(st.WSBeat).Median / statOf(st.Empty).Median}}})
	}
	if s := r.Size; s != nil {
		rows = append(rows, chartRow{label: "wasm brotli ÷ empty Go (↓ better)", limit: 1.45,
			bars: []chartBar{{"wsbeat", float64(s.WSBeat.Brotli) / float64(s.Empty.Brotli)}}})
	}
	if m := r.Memory["wsbeat"]; m != nil {
		for _, g := range m.growths(r.Config) {
			rows = append(rows, chartRow{label: g.name + " ÷ warm-up (↓)", limit: 1.1,
				bars: []chartBar{{"wsbeat", g.to / g.from}}})
		}
	}
	for _, i := range r.Idle {
		if i.Contender == "wsbeat" && i.Options == nil && i.Interval > 0 {
			rows = append(rows, chartRow{label: "idle wake-ups ÷ heartbeat need (↓ better)", limit: 1.0,
				bars: []chartBar{{"wsbeat", i.PerMinute() / i.NeededPerMinute()}}})
		}
	}
	return rows
}

// SVG writes the bar chart of ratios that the README shows: every ratio
// against the raw WebSocket or the empty Go program, a line at 1.0, and
// each budget as a red dashed line on its row.
func (r *Results) SVG(w io.Writer) {
	rows := r.chartRows()
	const (
		width   = 960
		left    = 330 // labels
		right   = 70  // room for the value of the longest bar
		top     = 74
		barH    = 13
		barGap  = 3
		rowGap  = 16
		axisPad = 34
	)
	maxRatio := 2.0
	for _, row := range rows {
		for _, b := range row.bars {
			if !math.IsNaN(b.ratio) && !math.IsInf(b.ratio, 0) {
				maxRatio = math.Max(maxRatio, b.ratio)
			}
		}
	}
	maxRatio = math.Min(math.Ceil(maxRatio*2)/2, 4)
	plotW := float64(width - left - right)
	x := func(v float64) float64 { return float64(left) + plotW*math.Min(v, maxRatio)/maxRatio }

	height := top
	for _, row := range rows {
		height += len(row.bars)*(barH+barGap) + rowGap + 14
	}
	height += axisPad

	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="system-ui, -apple-system, Segoe UI, sans-serif" font-size="12">`+"\n",
		width, height, width, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="16" y="24" font-size="16" font-weight="600" fill="#111827">wsbeat: ratios against the raw WebSocket and the empty Go program</text>` + "\n")
	p(`<text x="16" y="44" fill="#4b5563">%s · %s · %d CPUs · median per-round ratios of %d interleaved rounds · red dashes: budgets (issue 6)</text>`+"\n",
		html.EscapeString(r.Machine.Browser), r.Date.UTC().Format("2006-01-02"), r.Machine.CPUs, r.Config.Rounds)

	// legend
	lx := 16
	for _, c := range r.names() {
		if c == "raw" {
			continue
		}
		p(`<rect x="%d" y="54" width="12" height="12" fill="%s"/><text x="%d" y="64" fill="#111827">%s</text>`+"\n",
			lx, colorOf(c), lx+16, html.EscapeString(label(c)))
		lx += 24 + 7*len(label(c))
	}

	// grid and the 1.0 line
	plotTop, plotBottom := top-6, height-axisPad+4
	for v := 0.0; v <= maxRatio+1e-9; v += 0.5 {
		stroke, dash := "#e5e7eb", ""
		if v == 1 {
			stroke = "#111827"
		}
		p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"%s/>`+"\n", x(v), plotTop, x(v), plotBottom, stroke, dash)
		p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#374151">%.1f×</text>`+"\n", x(v), plotBottom+16, v)
	}

	y := top
	for _, row := range rows {
		p(`<text x="16" y="%d" font-weight="600" fill="#111827">%s</text>`+"\n", y+10, html.EscapeString(row.label))
		y0 := y + 14
		by := y0
		for _, bar := range row.bars {
			v := bar.ratio
			miss := row.limit > 0 && bar.series == "wsbeat" && ((row.atLeast && v < row.limit) || (!row.atLeast && v > row.limit))
			p(`<text x="%d" y="%d" text-anchor="end" fill="#4b5563">%s</text>`+"\n", left-8, by+barH-2, html.EscapeString(label(bar.series)))
			if !math.IsNaN(v) {
				p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", left, by, x(v)-float64(left), barH, colorOf(bar.series))
				weight, fill := "400", "#111827"
				if miss {
					weight, fill = "700", "#dc2626"
				}
				more := ""
				if v > maxRatio {
					more = " ▸"
				}
				p(`<text x="%.1f" y="%d" font-weight="%s" fill="%s" stroke="#ffffff" stroke-width="3" paint-order="stroke">%.2f×%s</text>`+"\n",
					x(v)+4, by+barH-2, weight, fill, v, more)
			}
			by += barH + barGap
		}
		if row.limit > 0 {
			sign := "≤"
			if row.atLeast {
				sign = "≥"
			}
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 3"/>`+"\n",
				x(row.limit), y0-3, x(row.limit), by)
			p(`<text x="%.1f" y="%d" fill="#dc2626" font-size="11">%s%.2f</text>`+"\n", x(row.limit)+3, y0-4, sign, row.limit)
		}
		y = by + rowGap
	}
	p("</svg>\n")
	io.WriteString(w, b.String())
}
