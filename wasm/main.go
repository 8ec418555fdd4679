//go:build js && wasm

// Command wasm is the wsbeat engine for the browser. wsbeat.js runs it; it
// hands the engine to the page and then stays alive to serve it.
package main

import (
	"runtime"
	"syscall"
	"time"

	"github.com/wsbeat/wsbeat/jsbridge"
)

func main() {
	if err := jsbridge.Start(); err != nil {
		// println and syscall.Exit rather than os, which would link os,
		// io/fs and internal/poll for this one line.
		println("wsbeat:", err.Error())
		syscall.Exit(1)
	}
	// Two collections while the heap is a few kilobytes allocate the GC's
	// metadata (mark bits, work buffers: about 0.4 MB) that the first
	// cycles would otherwise add at the first reconnects; the wasm memory
	// never shrinks, so paying it early keeps it flat afterwards. They take
	// about 14 ms, so they run from a timer: after the page has seen
	// WSBeat.ready, not before.
	time.AfterFunc(time.Millisecond, func() {
		runtime.GC()
		runtime.GC()
	})
	select {}
}
