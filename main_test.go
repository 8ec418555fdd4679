package wsbeat

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"os"
	"runtime"
	"testing"
	"time"
)

// leakSettle bounds how long TestMain waits for goroutines that are still
// winding down (a closing handshake, a server's connection) after the
// tests.
const leakSettle = 5 * time.Second

// TestMain runs the package's tests, internal and external, and fails the
// run if more goroutines are alive after them than before, printing every
// goroutine so that the leak can be found.
func TestMain(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	if fuzzing() {
		// The fuzzing engine's own goroutines outlive m.Run.
		os.Exit(code)
	}
	if n, stacks := settleGoroutines(before, leakSettle); n > before {
		fmt.Fprintf(os.Stderr, "goroutine leak: %d goroutines before the tests, %d after %v\n\n%s\n",
			before, n, leakSettle, stacks)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

func fuzzing() bool {
	for _, name := range []string{"test.fuzz", "test.fuzzworker"} {
		if f := flag.Lookup(name); f != nil && f.Value.String() != "" && f.Value.String() != "false" {
			return true
		}
	}
	return false
}

// settleGoroutines waits up to limit for the goroutine count to come down
// to want, and returns the count and, if it did not, every stack.
func settleGoroutines(want int, limit time.Duration) (int, []byte) {
	deadline := time.Now().Add(limit)
	for {
		n := runtime.NumGoroutine()
		if n <= want {
			return n, nil
		}
		if time.Now().After(deadline) {
			return n, allStacks()
		}
		// Idle keep-alive connections of tests' HTTP clients hold
		// goroutines until closed.
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			t.CloseIdleConnections()
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func allStacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.TrimSpace(buf[:n])
		}
		buf = make([]byte, 2*len(buf))
	}
}
