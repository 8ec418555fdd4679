//go:build js && wasm

// Command wasm is the wsbeat engine for the browser. wsbeat.js runs it; it
// hands the engine to the page and then stays alive to serve it.
package main

import (
	"fmt"
	"os"

	"github.com/wsbeat/wsbeat/jsbridge"
)

func main() {
	if err := jsbridge.Start(); err != nil {
		fmt.Fprintln(os.Stderr, "wsbeat:", err)
		os.Exit(1)
	}
	select {}
}
