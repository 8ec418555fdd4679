package wsbeat

import (
	"math/rand/v2"
	"time"
)

// Clock is the engine's source of time. Tests replace it to make timers
// fire late, as they do in a throttled browser tab.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f in its own goroutine after d.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop prevents the call if it has not started. The engine does not
	// rely on its result: every timer callback also checks that it is
	// still the current one.
	Stop() bool
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

func randFloat64() float64 { return rand.Float64() }
