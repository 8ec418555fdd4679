//go:build !js

// Command bench is make bench: it measures WSBeat.Socket against the
// browser's own WebSocket and the two most used JS peers
// (reconnecting-websocket, partysocket) in one headless Chromium, and
// wsbeat.wasm against an empty Go program, then writes BENCHMARKS.md,
// docs/bench.svg and a summary on the console.
//
// It exists so that the budgets of issue 6 are judged by one instrument,
// run the same way every time: one page, contenders interleaved, medians of
// several rounds, the DevTools Network domain off (it reports every
// WebSocket frame to the driver and cuts throughput several times).
//
// Run it with make bench (which builds dist/ and installs the peers
// first); it lives in the nested module e2e/, so by hand it is
// `cd e2e && go run ./bench -out ../BENCHMARKS.md -chart ../docs/bench.svg`.
// Flags: -rounds N, -out FILE, -chart FILE, -json FILE (every sample),
// -engine FILE (run the pages on another build of wsbeat.wasm, to measure a
// prototype of an engine change).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"log"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	cfg := FullConfig()
	rounds := flag.Int("rounds", cfg.Rounds, "counted rounds of the message benchmarks (at least 5 for the report)")
	out := flag.String("out", "BENCHMARKS.md", "the report to write")
	chart := flag.String("chart", "docs/bench.svg", "the chart to write")
	jsonOut := flag.String("json", "", "also write every sample as JSON to this file")
	engine := flag.String("engine", "", "run the message, memory and idle pages on this wsbeat.wasm instead of dist's")
	flag.Parse()
	cfg.Rounds = *rounds
	cfg.Logf = log.Printf
	if *engine != "" {
		abs, err := filepath.Abs(*engine)
		if err != nil {
			log.Fatal(err)
		}
		cfg.Engine = abs
	}

	tb := &programTB{name: "bench"}
	var res *Results
	ok := tb.run(func() { res = run(tb, cfg) })
	if !ok || res == nil {
		log.Fatal("failed; nothing written")
	}

	res.Summary(os.Stdout)
	if *jsonOut != "" {
		data, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			log.Fatal(err)
		}
		write(*jsonOut, data)
	}
	if *chart != "" {
		var svg bytes.Buffer
		res.SVG(&svg)
		write(*chart, svg.Bytes())
	}
	if *out != "" {
		var md bytes.Buffer
		rel := ""
		if *chart != "" {
			rel, _ = filepath.Rel(filepath.Dir(*out), *chart)
		}
		res.Markdown(&md, filepath.ToSlash(rel))
		write(*out, md.Bytes())
	}
	if len(res.Errors) > 0 {
		log.Fatalf("%d page errors (see above)", len(res.Errors))
	}
}

func write(path string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s", path)
}

// programTB lets the program drive internal/browsertest, which takes a
// testing.TB, without a test binary. It implements the methods the harness
// and this package call; the embedded nil interface is only there to
// satisfy testing.TB's unexported method, and any other call panics, which
// run reports as a failure.
type programTB struct {
	testing.TB

	name     string
	mu       sync.Mutex
	cleanups []func()
	failed   bool
}

// errFatal unwinds the run after Fatal, as runtime.Goexit does in a test.
type errFatal struct{}

// run calls f, then the cleanups in reverse order, and reports whether f
// finished without a failure.
func (t *programTB) run(f func()) (ok bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, fatal := r.(errFatal); !fatal {
				t.Errorf("panic: %v", r)
			}
		}
		t.mu.Lock()
		cs := t.cleanups
		t.cleanups = nil
		t.mu.Unlock()
		for i := len(cs) - 1; i >= 0; i-- {
			cs[i]()
		}
		ok = !t.Failed()
	}()
	f()
	return true
}

func (t *programTB) Name() string { return t.name }
func (t *programTB) Helper()      {}

func (t *programTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

func (t *programTB) Log(args ...any)                 { log.Print(args...) }
func (t *programTB) Logf(format string, args ...any) { log.Printf(format, args...) }

func (t *programTB) Fail() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failed = true
}

func (t *programTB) Failed() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.failed
}

func (t *programTB) Error(args ...any)                 { log.Print(args...); t.Fail() }
func (t *programTB) Errorf(format string, args ...any) { log.Printf(format, args...); t.Fail() }
func (t *programTB) FailNow()                          { t.Fail(); panic(errFatal{}) }
func (t *programTB) Fatal(args ...any)                 { t.Error(args...); panic(errFatal{}) }
func (t *programTB) Fatalf(format string, args ...any) { t.Errorf(format, args...); panic(errFatal{}) }

// Skip fails: the harness skips when there is no Chromium, and a benchmark
// without a browser has nothing to report.
func (t *programTB) Skip(args ...any) { t.Fatal(append([]any{"cannot run: "}, args...)...) }
func (t *programTB) Skipf(format string, args ...any) {
	t.Fatalf("cannot run: "+format, args...)
}
func (t *programTB) SkipNow()      { t.Fatal("cannot run") }
func (t *programTB) Skipped() bool { return false }

func (t *programTB) TempDir() string {
	dir, err := os.MkdirTemp("", "wsbeat-bench-")
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}
