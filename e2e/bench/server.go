//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wsbeat/wsbeat/server/echo"
)

// The server the pages load from, and the machine the run is on.

// startServer serves the repository like browsertest.StartServer (the
// real echo server: /echo, /control, static files precompressed by
// Accept-Encoding) and the empty program's directory under /bench-build/.
// Pages are made cross-origin isolated, which is what gives
// performance.now() 5 µs resolution instead of 100 µs: round trips are a
// few hundred µs.
func startServer(tb testing.TB, root, build string) *httptest.Server {
	tb.Helper()
	main := echo.New(echo.Config{Root: root, Control: true})
	empty := echo.New(echo.Config{Root: build})
	mux := http.NewServeMux()
	mux.Handle("/bench-build/", http.StripPrefix("/bench-build", empty))
	mux.Handle("/", main)
	isolated := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/echo" {
			w.Header().Set("Cross-Origin-Opener-Policy", "same-origin")
			w.Header().Set("Cross-Origin-Embedder-Policy", "require-corp")
		}
		mux.ServeHTTP(w, r)
	})
	ts := httptest.NewUnstartedServer(isolated)
	ts.Config.ReadHeaderTimeout = 10 * time.Second
	ts.Start()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := main.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
			tb.Logf("bench: shutting the echo server down: %v", err)
		}
		ts.Close()
	})
	return ts
}

func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), Go: runtime.Version(), LoadStart: loadAverage()}
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(data)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// loadAverage is the 1-minute load average, or "?" where there is none.
func loadAverage() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// jsonString renders options for a page expression; nil is null, which
// the page reads as "defaults".
func jsonString(v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only numbers and strings go in
	}
	return string(b)
}
