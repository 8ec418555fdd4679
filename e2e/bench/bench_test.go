//go:build !js

package main

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the whole benchmark once with tiny counts, so that make
// bench cannot rot between the runs that write BENCHMARKS.md. It judges no
// figure: it checks that every contender produced a result for every
// workload, that every part measured something, and that no page reported
// an error.
func TestSmoke(t *testing.T) {
	cfg := Config{
		Rounds: 1,
		Small:  300, Large: 30, RTTs: 50,
		Startup:       1,
		MemWarm:       100,
		MemMessages:   1000,
		MemReconnects: 5,
		Idle:          3 * time.Second,
		Size:          true,
		Logf:          t.Logf,
	}
	res := run(t, cfg)

	for _, w := range res.Workloads {
		for _, c := range contenders {
			got := res.Samples[w.Name()][c]
			if len(got) != 1 {
				t.Errorf("%s: %s has %d samples, want 1", w.Name(), c, len(got))
				continue
			}
			v := field(w.Kind)(got[0])
			if !(v > 0) || math.IsInf(v, 0) {
				t.Errorf("%s: %s measured %v", w.Name(), c, v)
			}
		}
	}

	for _, c := range append([]string{"dispatch"}, contenders...) {
		if !(res.Delivery[c] > 0) {
			t.Errorf("delivery cost of %s: %v, want a time", c, res.Delivery[c])
		}
	}
	if res.Crossings.Messages != cfg.Small {
		t.Errorf("crossings counted over %d messages, want %d", res.Crossings.Messages, cfg.Small)
	}
	// Nothing crosses between JS and Go per message: a heartbeat timer may
	// fire during the echoes, a crossing per message may not.
	if c := res.Crossings; c.ToGo+c.FromGo >= c.Messages/10 {
		t.Errorf("%d messages crossed %d times into Go and %d times into JS, want nothing per message", c.Messages, c.ToGo, c.FromGo)
	}

	st := res.Startup
	if len(st.WSBeat) != 1 || len(st.Empty) != 1 || !(st.WSBeat[0] > 0) || !(st.Empty[0] > 0) {
		t.Errorf("start-up samples: wsbeat %v, empty %v; want one positive each", st.WSBeat, st.Empty)
	}
	if len(st.WSBeatSteps) != 1 || len(st.EmptySteps) != 1 || !(st.WSBeatSteps[0].Run > 0) || !(st.EmptySteps[0].Fetch > 0) {
		t.Errorf("start-up steps: wsbeat %+v, empty %+v; want one timed each", st.WSBeatSteps, st.EmptySteps)
	}
	if !st.Early.OK() {
		t.Errorf("a socket made before WSBeat.ready: %+v; want CONNECTING, send queued, echo delivered", st.Early)
	}

	for _, c := range []string{"wsbeat", "raw"} {
		m := res.Memory[c]
		if m == nil {
			t.Errorf("no memory readings for %s", c)
			continue
		}
		readings := []MemReading{m.Warm, m.Messages, m.Reconnects}
		if c == "wsbeat" {
			readings = append(readings, m.Reconnects2)
		}
		for _, r := range readings {
			if !(r.JSHeap > 0) || !(r.Wasm > 0) {
				t.Errorf("memory of %s: %+v; want a JS heap and a wasm memory", c, r)
			}
		}
	}

	if len(res.Idle) != 5 {
		t.Errorf("%d idle sockets watched, want 5", len(res.Idle))
	}
	for _, i := range res.Idle {
		if i.Elapsed < cfg.Idle/2 {
			t.Errorf("idle %s: watched for %v, want about %v", i.Label, i.Elapsed, cfg.Idle)
		}
		if i.Closes != 0 {
			t.Errorf("idle %s: closed %d times while idle", i.Label, i.Closes)
		}
	}

	s := res.Size
	if s == nil || !(s.WSBeat.Brotli > 0) || !(s.Empty.Brotli > 0) || s.WSBeat.Raw <= s.Empty.Raw {
		t.Errorf("sizes: %+v; want both measured, wsbeat larger", s)
	} else if !hasPackage(s.Packages, "github.com/wsbeat/wsbeat/jsbridge") {
		t.Errorf("package breakdown has no jsbridge: %+v", s.Packages[:min(5, len(s.Packages))])
	}

	if len(res.Errors) > 0 {
		t.Errorf("pages reported errors:\n%s", strings.Join(res.Errors, "\n"))
	}

	var md, svg bytes.Buffer
	res.Markdown(&md, "docs/bench.svg")
	res.SVG(&svg)
	if n := strings.Count(md.String(), "**PASS**") + strings.Count(md.String(), "**MISS**"); n < 12 {
		t.Errorf("the report judges %d budgets, want at least 12", n)
	}
	if !strings.HasPrefix(svg.String(), "<svg") || !strings.Contains(svg.String(), "stroke-dasharray") {
		t.Errorf("the chart has no budget lines:\n%.300s", svg.String())
	}
}

func hasPackage(ps []PackageSize, name string) bool {
	for _, p := range ps {
		if p.Package == name && p.WSBeat > 0 {
			return true
		}
	}
	return false
}

func TestPackageNamer(t *testing.T) {
	n := newPackageNamer([]string{"runtime", "github.com/wsbeat/wsbeat/internal/safejs", "github.com/wsbeat/wsbeat/internal/safejs/internal/catch",
		"github.com/wsbeat/wsbeat", "github.com/wsbeat/wsbeat/jsbridge", "net/url", "net", "slices", "internal/abi"})
	for name, want := range map[string]string{
		"runtime.__mspan_.typePointersOfType":                                        "runtime",
		"github.com_wsbeat_wsbeat_internal_safejs.Value.Call":                        "github.com/wsbeat/wsbeat/internal/safejs",
		"github.com_wsbeat_wsbeat_internal_safejs_internal_catch.Try_go.shape.bool_": "github.com/wsbeat/wsbeat/internal/safejs/internal/catch",
		"github.com_wsbeat_wsbeat_jsbridge.__engine_.send":                           "github.com/wsbeat/wsbeat/jsbridge",
		"github.com_wsbeat_wsbeat.__Socket_.heartbeatDue.func1":                      "github.com/wsbeat/wsbeat",
		"slices.SortFunc_go.shape.___github.com_x_y.T_":                              "slices",
		"internal_abi.__Type_.Kind":                                                  "internal/abi",
		"net_url.__URL_.String":                                                      "net/url",
		"type_.eq.go.shape.struct___net_netip.isV6_bool":                             "(generated type eq/hash)",
		"go_buildid": "(linker)",
	} {
		if got := n.of(name); got != want {
			t.Errorf("of(%q) = %q, want %q", name, got, want)
		}
	}
}
