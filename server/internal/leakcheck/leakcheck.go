// Package leakcheck fails a test binary that leaves goroutines behind.
package leakcheck

import (
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"
)

// settle is how long Main waits for goroutines that are still winding down.
const settle = 5 * time.Second

// Main runs the tests and exits. It fails the run when, after the tests and
// a settle period, more goroutines are alive than before them, and prints
// every goroutine's stack so that the leak can be found.
func Main(m *testing.M) {
	before := runtime.NumGoroutine()
	code := m.Run()
	deadline := time.Now().Add(settle)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before && code == 0 {
		fmt.Fprintf(os.Stderr, "goroutine leak: %d goroutines before the tests, %d after\n%s\n", before, n, stacks())
		code = 1
	}
	os.Exit(code)
}

func stacks() []byte {
	buf := make([]byte, 1<<16)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return buf[:n]
		}
		buf = make([]byte, 2*len(buf))
	}
}
