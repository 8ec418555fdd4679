package wsbeat

import (
	"math"
	"time"
)

// backoffWindow is the upper bound of the delay before retry n (n = 0 for
// the first retry since the last stable open): min(max, min·grow^n).
func backoffWindow(o *Options, n int) time.Duration {
	w := float64(o.MinReconnectionDelay) * math.Pow(o.ReconnectionDelayGrowFactor, float64(n))
	if w >= float64(o.MaxReconnectionDelay) || math.IsInf(w, 0) || math.IsNaN(w) {
		return o.MaxReconnectionDelay
	}
	return time.Duration(w)
}

// backoffDelay draws the delay before retry n uniformly from
// [0, backoffWindow(n)] (full jitter), which spreads the retries of many
// clients after a server restart.
func backoffDelay(o *Options, n int) time.Duration {
	return time.Duration(o.Rand() * float64(backoffWindow(o, n)))
}
