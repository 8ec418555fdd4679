package wire

import (
	"errors"
	"testing"
)

func TestInboundOrderDuplicatesGaps(t *testing.T) {
	in := NewInbound(Limits{}, AckPolicy{})
	for seq := int64(1); seq <= 3; seq++ {
		if ok, err := in.Accept(seq, 1); !ok || err != nil {
			t.Fatalf("Accept(%d) = %v, %v", seq, ok, err)
		}
	}
	// A replay of what was accepted is discarded without error.
	for _, seq := range []int64{1, 3} {
		if ok, err := in.Accept(seq, 1); ok || err != nil {
			t.Fatalf("duplicate Accept(%d) = %v, %v", seq, ok, err)
		}
	}
	// A gap is a protocol error and accepts nothing.
	if ok, err := in.Accept(5, 1); ok || !errors.Is(err, ErrProtocol) {
		t.Fatalf("Accept(5) after 3 = %v, %v", ok, err)
	}
	if in.Received() != 3 {
		t.Fatalf("Received = %d after a gap", in.Received())
	}
	if ok, _ := in.Accept(4, 1); !ok {
		t.Fatal("Accept(4) refused")
	}
}

func TestInboundAckPolicy(t *testing.T) {
	in := NewInbound(Limits{}, AckPolicy{Every: 3, Bytes: 100})
	if _, ok := in.TakeAck(); ok {
		t.Fatal("TakeAck with nothing delivered")
	}
	var actions []AckAction
	for seq := int64(1); seq <= 3; seq++ {
		in.Accept(seq, 1)
		actions = append(actions, in.Deliver(seq, 1))
	}
	// First since the last ack: start the timer; the third: ack now.
	want := []AckAction{AckLater, AckNone, AckNow}
	for i, a := range want {
		if actions[i] != a {
			t.Fatalf("actions %v; want %v", actions, want)
		}
	}
	if seq, ok := in.TakeAck(); seq != 3 || !ok {
		t.Fatalf("TakeAck = %d, %v", seq, ok)
	}
	if seq, ok := in.TakeAck(); seq != 3 || ok {
		t.Fatalf("second TakeAck = %d, %v; want 3, false", seq, ok)
	}
	// The first after an ack starts the timer again.
	in.Accept(4, 1)
	if a := in.Deliver(4, 1); a != AckLater {
		t.Fatalf("first delivery after an ack: %v", a)
	}
	in.TakeAck()
	// Bytes trigger too.
	in.Accept(5, 100)
	if a := in.Deliver(5, 100); a != AckNow {
		t.Fatalf("100 bytes with Bytes 100: %v", a)
	}
	// Delivering out of order or twice is ignored.
	if a := in.Deliver(5, 100); a != AckNone || in.Delivered() != 5 {
		t.Fatalf("second Deliver(5): %v, delivered %d", a, in.Delivered())
	}
	if a := in.Deliver(7, 1); a != AckNone || in.Delivered() != 5 {
		t.Fatalf("Deliver(7) before 6 was accepted: %v, delivered %d", a, in.Delivered())
	}
}

// TestInboundAckOnlyWhatIsDelivered: messages accepted into a queue are
// not acknowledged until delivered, and on a new connection the resume
// point is what was delivered; the replays of what is queued are dropped.
func TestInboundAckOnlyWhatIsDelivered(t *testing.T) {
	var in Inbound
	for seq := int64(1); seq <= 5; seq++ {
		in.Accept(seq, 1)
	}
	in.Deliver(1, 1)
	in.Deliver(2, 1)
	if seq, _ := in.TakeAck(); seq != 2 {
		t.Fatalf("ack %d with 2 delivered", seq)
	}
	in.Deliver(3, 1)
	if resume := in.Reconnected(); resume != 3 || in.Acked() != 3 {
		t.Fatalf("Reconnected = %d, acked %d", resume, in.Acked())
	}
	// The peer replays 4 and 5 (queued here) and sends 6.
	var fresh []int64
	for seq := int64(4); seq <= 6; seq++ {
		ok, err := in.Accept(seq, 1)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			fresh = append(fresh, seq)
		}
	}
	if !equalSeqs(fresh, []int64{6}) {
		t.Fatalf("accepted after the replay: %v", fresh)
	}
}

func TestInboundPeerOverflow(t *testing.T) {
	in := NewInbound(Limits{Messages: 3, Bytes: 10}, AckPolicy{Every: 100})
	for seq := int64(1); seq <= 3; seq++ {
		if _, err := in.Accept(seq, 1); err != nil {
			t.Fatal(err)
		}
	}
	if ok, err := in.Accept(4, 1); ok || !errors.Is(err, ErrPeerOverflow) {
		t.Fatalf("fourth unacknowledged message = %v, %v", ok, err)
	}
	// Acknowledging makes room.
	for seq := int64(1); seq <= 3; seq++ {
		in.Deliver(seq, 1)
	}
	in.TakeAck()
	if ok, err := in.Accept(4, 10); !ok || err != nil {
		t.Fatalf("Accept after the ack = %v, %v", ok, err)
	}
	if _, err := in.Accept(5, 1); !errors.Is(err, ErrPeerOverflow) {
		t.Fatalf("11 bytes unacknowledged with a 10-byte limit = %v", err)
	}
}

func TestInboundRestore(t *testing.T) {
	in := NewInbound(Limits{Messages: 2}, AckPolicy{})
	in.Restore(41)
	if in.Received() != 41 || in.Delivered() != 41 || in.Acked() != 41 {
		t.Fatal("Restore")
	}
	if ok, _ := in.Accept(41, 1); ok {
		t.Fatal("accepted a restored duplicate")
	}
	in.Accept(42, 1)
	in.Accept(43, 1)
	if _, err := in.Accept(44, 1); !errors.Is(err, ErrPeerOverflow) {
		t.Fatalf("Restore lost the limits: %v", err)
	}
}
