// Package lifecycle proves in headless Chromium that wsbeat survives what
// a browser does to a page: hidden and throttled tabs, frozen pages, the
// offline and online events, the back/forward cache, server keepalives,
// lost messages, reconnect churn, and that its debug log keeps secrets.
//
// Its tests drive pages from testdata/ that load only the built bundle in
// /dist/ (run make build first), against echo servers on 127.0.0.1. Each
// scenario logs a line
//
//	RESULT scenario=... plain=... wsbeat_detect=... wsbeat_recover=...
//
// that says what a plain WebSocket did in the same page and moment, and how
// long wsbeat took to notice and to recover; docs/resilience-lifecycle.md
// is written from those lines (go test -v -run TestLifecycle ./e2e/lifecycle).
package lifecycle
