// Package assert is the small assertion helper of wsbeat's server tests.
package assert

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// Equal fails the test unless got deeply equals want.
func Equal[T any](t testing.TB, name string, want, got T) {
	t.Helper()
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("unexpected %s: want %#v, got %#v", name, want, got)
	}
}

// Success fails the test if err is not nil.
func Success(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// Error fails the test if err is nil.
func Error(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
}

// ErrorIs fails the test unless errors.Is(err, target).
func ErrorIs(t testing.TB, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("expected error %v, got %v", target, err)
	}
}

// Contains fails the test unless s contains sub.
func Contains(t testing.TB, name, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("unexpected %s: %q does not contain %q", name, s, sub)
	}
}

// True fails the test with msg unless ok.
func True(t testing.TB, msg string, ok bool) {
	t.Helper()
	if !ok {
		t.Fatal(msg)
	}
}
