//go:build !js

package echo

import (
	"fmt"
	"strconv"
	"time"
)

// parseInt parses the query parameter name as a decimal integer from min to
// max. An empty value gives def. Numbers that do not fit an int64 are
// refused like any other out-of-range number, never wrapped.
func parseInt(name, v string, def, min, max int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < min || n > max {
		return 0, fmt.Errorf("invalid %s %q: want an integer from %d to %d", name, v, min, max)
	}
	return n, nil
}

// parseMillis parses the query parameter name as milliseconds from 0 to
// max; an empty value gives def. The bound is checked before the value
// becomes a Duration, so that it cannot overflow.
func parseMillis(name, v string, def, max time.Duration) (time.Duration, error) {
	ms, err := parseInt(name, v, def.Milliseconds(), 0, max.Milliseconds())
	if err != nil {
		return 0, fmt.Errorf("invalid %s %q: want milliseconds from 0 to %d", name, v, max.Milliseconds())
	}
	return time.Duration(ms) * time.Millisecond, nil
}

// parseBool parses a flag query parameter: "", "0" or "false" are false,
// "1" or "true" are true.
func parseBool(name, v string) (bool, error) {
	switch v {
	case "", "0", "false":
		return false, nil
	case "1", "true":
		return true, nil
	}
	return false, fmt.Errorf("invalid %s %q: want 1, 0, true or false", name, v)
}
