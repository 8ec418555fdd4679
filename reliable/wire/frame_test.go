package wire

import (
	"errors"
	"strings"
	"testing"
)

func TestDecodeValid(t *testing.T) {
	tests := []struct {
		in      string
		binary  bool
		want    Frame
		payload string
	}{
		{"1:hello", false, Frame{Kind: Data, Seq: 1}, "hello"},
		{"1:", false, Frame{Kind: Data, Seq: 1}, ""},
		{"42:a:b:c", false, Frame{Kind: Data, Seq: 42}, "a:b:c"},
		{"7:\x00\xff", true, Frame{Kind: Data, Seq: 7, Binary: true}, "\x00\xff"},
		{"9007199254740991:x", false, Frame{Kind: Data, Seq: MaxSeq}, "x"},
		{"H", false, Frame{Kind: Hello}, ""},
		{"Habc-_09XY:0", false, Frame{Kind: Hello, Session: "abc-_09XY"}, ""},
		{"Hs:123", false, Frame{Kind: Hello, Session: "s", Seq: 123}, ""},
		{"Ws:0", false, Frame{Kind: Welcome, Session: "s"}, ""},
		{"W" + strings.Repeat("z", 64) + ":5", false, Frame{Kind: Welcome, Session: strings.Repeat("z", 64), Seq: 5}, ""},
		{"A0", false, Frame{Kind: Ack}, ""},
		{"A1000", false, Frame{Kind: Ack, Seq: 1000}, ""},
		{"P17", false, Frame{Kind: Ping, Seq: 17}, ""},
		{"Q9007199254740991", false, Frame{Kind: Pong, Seq: MaxSeq}, ""},
		{"B3", false, Frame{Kind: Bye, Seq: 3}, ""},
	}
	for _, tt := range tests {
		f, payload, err := Decode(tt.binary, tt.in)
		if err != nil || f != tt.want || payload != tt.payload {
			t.Errorf("Decode(%v, %q) = %+v, %q, %v; want %+v, %q", tt.binary, tt.in, f, payload, err, tt.want, tt.payload)
			continue
		}
		// The same from a byte slice, and back to the same bytes.
		fb, pb, err := Decode(tt.binary, []byte(tt.in))
		if err != nil || fb != tt.want || string(pb) != tt.payload {
			t.Errorf("Decode(%v, []byte(%q)) = %+v, %q, %v", tt.binary, tt.in, fb, pb, err)
		}
		if got := string(Append(nil, f)) + payload; got != tt.in {
			t.Errorf("Append(%+v) + payload = %q; want %q", f, got, tt.in)
		}
	}
}

func TestDecodeInvalid(t *testing.T) {
	tests := []struct {
		in     string
		binary bool
	}{
		{"", false},
		{"", true},
		{"hello", false},               // plain text: not the protocol
		{"ping", false},                // the plain heartbeat is not a frame here
		{"hello", true},                // binary without a header
		{"A1", true},                   // control frames are text
		{"0:x", false},                 // sequences start at 1
		{"01:x", false},                // leading zero
		{"1x", false},                  // no colon
		{"12345678901234567:x", false}, // 17 digits
		{"9007199254740992:x", false},  // 2^53
		{"99999999999999999999:x", false},
		{"A", false},
		{"A-1", false},
		{"A01", false},
		{"A1 ", false},
		{"A9007199254740992", false},
		{"P", false},
		{"Qx", false},
		{"W", false},  // a welcome always names the session
		{"Ws", false}, // no received
		{"Ws:", false},
		{"W:1", false}, // empty session
		{"Hs:1:2", false},
		{"Hs s:1", false}, // space in the id
		{"Hé:1", false},
		{"H" + strings.Repeat("z", 65) + ":5", false},
		{"X1", false},
		{"a1", false},
		{"h", false},
		{"B", false},
		{"B01", false},
	}
	for _, tt := range tests {
		f, _, err := Decode(tt.binary, tt.in)
		if !errors.Is(err, ErrProtocol) {
			t.Errorf("Decode(%v, %q) = %+v, %v; want an error wrapping ErrProtocol", tt.binary, tt.in, f, err)
		}
	}
}

func TestAppendEveryKind(t *testing.T) {
	for _, tt := range []struct {
		f    Frame
		want string
	}{
		{Frame{Kind: Data, Seq: 12}, "12:"},
		{Frame{Kind: Hello}, "H"},
		{Frame{Kind: Hello, Session: "abc", Seq: 4}, "Habc:4"},
		{Frame{Kind: Welcome, Session: "abc"}, "Wabc:0"},
		{Frame{Kind: Ack, Seq: 99}, "A99"},
		{Frame{Kind: Ping, Seq: 1}, "P1"},
		{Frame{Kind: Pong}, "Q0"},
		{Frame{Kind: Bye, Seq: 8}, "B8"},
		{Frame{Kind: 0}, ""},
		{Frame{Kind: 200}, ""},
	} {
		if got := Control(tt.f); got != tt.want {
			t.Errorf("Control(%+v) = %q; want %q", tt.f, got, tt.want)
		}
	}
	if got := DataHeader(MaxSeq); got != "9007199254740991:" {
		t.Errorf("DataHeader(MaxSeq) = %q", got)
	}
}

func TestKindString(t *testing.T) {
	if Data.String() != "data" || Bye.String() != "bye" || Kind(0).String() != "Kind(0)" || Kind(9).String() != "Kind(9)" {
		t.Errorf("Kind names: %v %v %v %v", Data, Pong, Kind(0), Kind(9))
	}
}
