// Package contract proves the browser API of docs/api.md in headless
// Chromium, row by row: every property, method, event and error of
// WSBeat.Socket, the loader's readiness and failure paths, the guard
// around the engine's exported functions, and that reconnecting leaks no
// js.Func or goroutine.
//
// The tests drive pages in testdata that load only the built bundle in
// dist/ (run `make build` first) from the repository root, served by the
// in-process echo server with its control API. The package has no code of
// its own; everything is in its tests.
package contract
