package wire

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzDecode checks that Decode never panics, that every error wraps
// ErrProtocol, and that what it accepts encodes back to the same bytes
// (every frame has exactly one encoding).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"1:x", "9007199254740991:", "9007199254740992:", "01:", "0:", ":", "1",
		"H", "Habc:0", "H:0", "Wabc:12", "W", "A0", "A", "P5", "Q5", "Q05",
		"B0", "B", "ping", "pong", "", "\xff", "12345678901234567:", "Hé:1",
	} {
		f.Add(false, []byte(s))
		f.Add(true, []byte(s))
	}
	f.Fuzz(func(t *testing.T, binary bool, b []byte) {
		fr, payload, err := Decode(binary, b)
		if err != nil {
			if !errors.Is(err, ErrProtocol) {
				t.Fatalf("Decode(%v, %q): error %v does not wrap ErrProtocol", binary, b, err)
			}
			return
		}
		if fr.Kind != Data && (binary || payload != nil) {
			t.Fatalf("Decode(%v, %q) = %+v with payload %q", binary, b, fr, payload)
		}
		if fr.Seq < 0 || fr.Seq > MaxSeq || fr.Kind == Data && fr.Seq == 0 {
			t.Fatalf("Decode(%v, %q): sequence %d out of range", binary, b, fr.Seq)
		}
		if fr.Binary != (binary && fr.Kind == Data) {
			t.Fatalf("Decode(%v, %q) = %+v: wrong type", binary, b, fr)
		}
		out := append(Append(nil, fr), payload...)
		if !bytes.Equal(out, b) {
			t.Fatalf("Decode(%v, %q) = %+v, %q; encodes back to %q", binary, b, fr, payload, out)
		}
		// The string form agrees.
		fs, ps, err := Decode(binary, string(b))
		if err != nil || fs != fr || ps != string(payload) {
			t.Fatalf("Decode of the string %q = %+v, %q, %v; of the bytes %+v", b, fs, ps, err, fr)
		}
	})
}
