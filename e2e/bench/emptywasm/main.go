//go:build js && wasm

// Command emptywasm is the yardstick for wsbeat.wasm: an empty Go program
// built by the same toolchain with the same flags, so that make bench can
// say what the engine costs in bytes and start-up above Go's own runtime.
package main

func main() {}
