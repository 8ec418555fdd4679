//go:build js && wasm

// Command wasm is the wsbeat engine for the browser. wsbeat.js runs it; it
// hands the engine to the page and then stays alive to serve it.
package main

import (
	"syscall"

	"github.com/wsbeat/wsbeat/jsbridge"
)

func main() {
	if err := jsbridge.Start(); err != nil {
		// println and syscall.Exit rather than os, which would link os,
		// io/fs and internal/poll for this one line.
		println("wsbeat:", err.Error())
		syscall.Exit(1)
	}
	select {}
}
