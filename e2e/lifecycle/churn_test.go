//go:build !js

package lifecycle

import (
	"fmt"
	"testing"
	"time"

	bt "github.com/wsbeat/wsbeat/e2e/internal/browsertest"
	"github.com/wsbeat/wsbeat/server/echo"
)

// memStats is WSBeat.stats() plus the wasm memory size.
type memStats struct {
	Funcs      int     `json:"funcs"`
	Goroutines int     `json:"goroutines"`
	Sockets    int     `json:"sockets"`
	HeapAlloc  float64 `json:"heapAlloc"`
	Sys        float64 `json:"sys"`
	WasmBytes  float64 `json:"wasmBytes"`
}

// testChurn reconnects one socket 1 000 times, in ten rounds of 95 from
// the page (reconnect(), and every 20th time close() then reconnect(),
// which makes a new engine socket) and 5 by the server dropping the
// connection. Live js.Funcs, goroutines and engine sockets must come back
// to their baseline, and the Go runtime's memory (sys) and the wasm memory
// must not grow by more than 10%.
//
// There is no hook to force a garbage collection, and one reconnect leaves
// about 6 KB of garbage, so the Go heap grows to the runtime's 4 MB
// minimum target before the first collection; memory grows until then and
// stays flat after. So the warm-up runs until a collection was seen (the
// heap shrank), and the live heap is judged by the smallest heapAlloc of
// each phase, which is the one just after a collection.
func testChurn(t *testing.T, b *bt.Browser, res *results) {
	const (
		rounds     = 10
		local      = 95 // per round, from the page
		drops      = 5  // per round, by the server
		closeEvery = 20
		maxWarmup  = 15 // rounds of 100
	)
	srv := startServer(t, echo.Config{}, nil)
	p := openPage(t, b, srv.URL)
	track(t, p, "c", srv.WSURL("/echo"), `{minReconnectionDelay: 10, maxReconnectionDelay: 50}`)
	churn := func(n int) {
		t.Helper()
		if _, err := bt.EvalErr[bool](p, fmt.Sprintf(`T.churn("c", %d, %d)`, n, closeEvery), time.Minute); err != nil {
			t.Fatalf("churn: %v", err)
		}
	}
	mem := func() memStats { return bt.Eval[memStats](t, p, `T.mem()`) }

	// Warm up until the heap shrank once: a collection happened.
	prev := mem()
	warm, collected := 0, false
	minWarmHeap := prev.HeapAlloc
	for !collected && warm < maxWarmup {
		churn(100)
		warm++
		m := mem()
		collected = m.HeapAlloc < prev.HeapAlloc
		minWarmHeap = min(minWarmHeap, m.HeapAlloc)
		prev = m
	}
	if !collected {
		t.Logf("no garbage collection seen in %d warm-up reconnects", warm*100)
	}
	time.Sleep(200 * time.Millisecond)
	base := mem()

	start := time.Now()
	opens0 := bt.Eval[int](t, p, `T.socks.c.opens`)
	minHeap := base.HeapAlloc
	maxSys, maxWasm := base.Sys, base.WasmBytes
	for r := 0; r < rounds; r++ {
		churn(local)
		for i := 0; i < drops; i++ {
			before := bt.Eval[int](t, p, `T.socks.c.opens`)
			srv.Control(t, "drop")
			bt.WaitFor(t, p, fmt.Sprintf(`T.socks.c.opens > %d && T.socks.c.ws.state === "open"`, before), 10*time.Second)
		}
		m := mem()
		minHeap = min(minHeap, m.HeapAlloc)
		maxSys, maxWasm = max(maxSys, m.Sys), max(maxWasm, m.WasmBytes)
	}
	took := time.Since(start)
	reopened := bt.Eval[int](t, p, `T.socks.c.opens`) - opens0

	var after memStats
	deadline := time.Now().Add(5 * time.Second)
	for {
		after = mem()
		if (after.Funcs <= base.Funcs && after.Goroutines <= base.Goroutines) || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	maxSys, maxWasm = max(maxSys, after.Sys), max(maxWasm, after.WasmBytes)
	grow := func(a, b float64) float64 { return (b - a) / a * 100 }
	t.Logf("churn: warm-up %d reconnects (collection seen: %v); %d reconnects in %v; baseline %+v; after %+v; peak sys %.0f, peak wasm %.0f, smallest heap %.0f (warm-up %.0f)",
		warm*100, collected, reopened, took.Round(time.Millisecond), base, after, maxSys, maxWasm, minHeap, minWarmHeap)
	if reopened != rounds*(local+drops) {
		t.Errorf("%d open events for %d reconnects", reopened, rounds*(local+drops))
	}
	if after.Funcs != base.Funcs {
		t.Errorf("live js.Funcs: %d after the churn, %d before: leaked per reconnect", after.Funcs, base.Funcs)
	}
	if after.Goroutines > base.Goroutines {
		t.Errorf("goroutines: %d after the churn, %d before", after.Goroutines, base.Goroutines)
	}
	if after.Sockets != 1 {
		t.Errorf("engine sockets: %d, want 1", after.Sockets)
	}
	if g := grow(base.Sys, maxSys); g > 10 {
		t.Errorf("Go runtime memory (sys) grew %.1f%% (%.0f → %.0f bytes) after warm-up, want under 10%%", g, base.Sys, maxSys)
	}
	if g := grow(base.WasmBytes, maxWasm); base.WasmBytes == 0 || g > 10 {
		t.Errorf("wasm memory grew %.1f%% (%.0f → %.0f bytes) after warm-up, want under 10%%", g, base.WasmBytes, maxWasm)
	}
	if collected && minHeap > minWarmHeap+(1<<20) {
		t.Errorf("the live heap grew: smallest heapAlloc %.0f bytes during the churn, %.0f during the warm-up", minHeap, minWarmHeap)
	}
	perClose := rounds * (local / closeEvery)
	res.add(t, "churn-1000-reconnects", "n/a",
		fmt.Sprintf("%d reconnects (%d reconnect(), %d close()+reconnect(), %d server drops) in %v after %d warm-up",
			reopened, rounds*local-perClose, perClose, rounds*drops, took.Round(100*time.Millisecond), warm*100),
		fmt.Sprintf("funcs %d→%d, goroutines %d→%d, sockets %d; sys %.2f→%.2f MiB (%+.1f%%), wasm memory %.2f→%.2f MiB (%+.1f%%); live heap (smallest heapAlloc) %.2f MiB vs %.2f in warm-up",
			base.Funcs, after.Funcs, base.Goroutines, after.Goroutines, after.Sockets,
			base.Sys/(1<<20), maxSys/(1<<20), grow(base.Sys, maxSys),
			base.WasmBytes/(1<<20), maxWasm/(1<<20), grow(base.WasmBytes, maxWasm),
			minHeap/(1<<20), minWarmHeap/(1<<20)))
}
