//go:build !js

package main

import (
	"fmt"
	"time"
)

// The configuration of a run and what it measured.

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
