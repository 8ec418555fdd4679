package msgfmt

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

// The functions must agree with fmt for what they handle.
func TestAgreesWithFmt(t *testing.T) {
	err := errors.New("boom")
	for _, tc := range []struct {
		format string
		args   []any
	}{
		{"plain", nil},
		{"%v %s %d", []any{"a", "b", 3}},
		{"%q", []any{"tab\there \"q\" \\ \x7f"}},
		{"%q", []any{"\a\b\f\n\r\v\x00é"}},
		{"%v|%v|%v|%v", []any{nil, true, int32(-5), int64(1) << 40}},
		{"%v %v", []any{uint64(1) << 63, 2.5}},
		{"%v after %v", []any{err, 1500 * time.Millisecond}},
		{"100%%", nil},
	} {
		if got, want := Sprintf(tc.format, tc.args...), fmt.Sprintf(tc.format, tc.args...); got != want {
			t.Errorf("Sprintf(%q, %v) = %q, want %q", tc.format, tc.args, got, want)
		}
	}
	if got := Sprintf("%v %v", 1); got != "1 %!v(MISSING)" {
		t.Errorf("a missing argument: %q", got)
	}
	if got := Value(struct{}{}); got != "(value of unprintable type)" {
		t.Errorf("an unprintable value: %q", got)
	}
}

func TestWrap(t *testing.T) {
	base := errors.New("base")
	err := Wrap(base, "context: base")
	if err.Error() != "context: base" || !errors.Is(err, base) {
		t.Fatalf("Wrap: %q, Is(base) = %v", err, errors.Is(err, base))
	}
}
