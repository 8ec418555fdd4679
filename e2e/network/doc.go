//go:build !js

// Package network is wsbeat's network fault suite: Go tests that drive
// headless Chromium against real components on 127.0.0.1 (Debian's nginx,
// toxiproxy in-process, a hostile raw-frame server, an echo server that is
// stopped and started) and check, in each fault, the contract's close
// event, a bounded retry schedule and a page without exceptions.
//
// Each scenario logs one line
//
//	RESULT scenario=NAME plain="..." wsbeat="..." detect=... recover=...
//
// with what a plain browser WebSocket did in the same fault, what wsbeat
// did, and wsbeat's measured time to detect the fault and to be open again;
// docs/resilience-network.md is written from those lines.
//
// The page under test is testdata/faults.html, which loads only /dist/: run
// `make build` first.
package network
