package wire

import "testing"

var sinkFrame Frame

func BenchmarkAppendDataHeader(b *testing.B) {
	buf := make([]byte, 0, 32)
	for i := 0; b.Loop(); i++ {
		buf = AppendDataHeader(buf[:0], int64(i)+100000)
	}
}

func BenchmarkDecodeData64(b *testing.B) {
	msg := string(AppendDataHeader(nil, 123456)) + string(make([]byte, 64))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		f, _, err := Decode(false, msg)
		if err != nil {
			b.Fatal(err)
		}
		sinkFrame = f
	}
}

func BenchmarkEncodeAck(b *testing.B) {
	buf := make([]byte, 0, 32)
	for i := 0; b.Loop(); i++ {
		buf = Append(buf[:0], Frame{Kind: Ack, Seq: int64(i) + 100000})
	}
}

func BenchmarkDecodeAck(b *testing.B) {
	for b.Loop() {
		f, _, err := Decode(false, "A123456")
		if err != nil {
			b.Fatal(err)
		}
		sinkFrame = f
	}
}

// BenchmarkRoundTrip is one message's bookkeeping on both sides: push,
// accept, deliver, and the ack released every 100 messages.
func BenchmarkRoundTrip(b *testing.B) {
	var o Outbound[string]
	var in Inbound
	for b.Loop() {
		seq, err := o.Push("m", 64)
		if err != nil {
			b.Fatal(err)
		}
		if ok, err := in.Accept(seq, 64); !ok || err != nil {
			b.Fatal(ok, err)
		}
		if in.Deliver(seq, 64) == AckNow {
			ack, _ := in.TakeAck()
			o.Ack(ack)
		}
	}
}
