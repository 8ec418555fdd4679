package wire

import (
	"errors"
	"testing"
)

func seqs[M any](ps []Pending[M]) []int64 {
	var s []int64
	for _, p := range ps {
		s = append(s, p.Seq)
	}
	return s
}

func equalSeqs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestOutboundNumbersAndReleases(t *testing.T) {
	o := NewOutbound[string](Limits{Messages: 10, Bytes: 100})
	for i := int64(1); i <= 5; i++ {
		seq, err := o.Push("m", 3)
		if err != nil || seq != i {
			t.Fatalf("Push %d = %d, %v", i, seq, err)
		}
	}
	if o.Len() != 5 || o.Bytes() != 15 || o.Last() != 5 || o.Acked() != 0 {
		t.Fatalf("after 5 pushes: len %d bytes %d last %d acked %d", o.Len(), o.Bytes(), o.Last(), o.Acked())
	}
	if n, err := o.Ack(3); n != 3 || err != nil {
		t.Fatalf("Ack(3) = %d, %v", n, err)
	}
	if got := seqs(o.Unacked()); !equalSeqs(got, []int64{4, 5}) || o.Bytes() != 6 {
		t.Fatalf("after Ack(3): unacked %v, bytes %d", got, o.Bytes())
	}
	// A stale ack releases nothing and is no error.
	if n, err := o.Ack(2); n != 0 || err != nil {
		t.Fatalf("Ack(2) after Ack(3) = %d, %v", n, err)
	}
	// An ack of a message never sent is a protocol error and changes nothing.
	if _, err := o.Ack(6); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Ack(6) with last 5 = %v; want ErrProtocol", err)
	}
	if o.Len() != 2 {
		t.Fatalf("a bad ack released messages: len %d", o.Len())
	}
	if n, err := o.Ack(5); n != 2 || err != nil || o.Len() != 0 || o.Bytes() != 0 {
		t.Fatalf("Ack(5) = %d, %v; len %d bytes %d", n, err, o.Len(), o.Bytes())
	}
	if seq, _ := o.Push("m", 1); seq != 6 {
		t.Fatalf("numbering restarted after the buffer emptied: %d", seq)
	}
}

func TestOutboundLimits(t *testing.T) {
	o := NewOutbound[int](Limits{Messages: 3, Bytes: 10})
	if _, err := o.Push(0, 11); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Push of 11 bytes with a 10-byte limit = %v", err)
	}
	for i := 0; i < 3; i++ {
		if _, err := o.Push(i, 2); err != nil {
			t.Fatal(err)
		}
	}
	if !o.Full(0) {
		t.Fatal("Full false at the message limit")
	}
	if _, err := o.Push(3, 0); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("fourth Push with a limit of 3 = %v", err)
	}
	if o.Len() != 3 || o.Last() != 3 {
		t.Fatalf("a refused Push changed the buffer: len %d last %d", o.Len(), o.Last())
	}
	o.Ack(1)
	if _, err := o.Push(3, 7); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("Push over the byte limit = %v", err)
	}
	if _, err := o.Push(3, 6); err != nil {
		t.Fatalf("Push that fits exactly = %v", err)
	}
	// The zero value uses the defaults.
	var z Outbound[int]
	for i := 0; i < DefaultMessages; i++ {
		if _, err := z.Push(i, 1); err != nil {
			t.Fatalf("zero Outbound, push %d: %v", i, err)
		}
	}
	if _, err := z.Push(0, 1); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("zero Outbound past DefaultMessages: %v", err)
	}
}

func TestOutboundSeqExhausted(t *testing.T) {
	var o Outbound[int]
	o.Restore(MaxSeq-1, nil)
	if seq, err := o.Push(1, 1); seq != MaxSeq || err != nil {
		t.Fatalf("Push to MaxSeq = %d, %v", seq, err)
	}
	if _, err := o.Push(2, 1); !errors.Is(err, ErrSeqExhausted) {
		t.Fatalf("Push past MaxSeq = %v", err)
	}
}

func TestOutboundResume(t *testing.T) {
	var o Outbound[string]
	for _, m := range []string{"a", "b", "c", "d"} {
		o.Push(m, 1)
	}
	o.Ack(1)
	// The peer got up to 2 but its ack was lost: replay 3 and 4.
	replay, err := o.Resume(2)
	if err != nil || !equalSeqs(seqs(replay), []int64{3, 4}) || replay[0].Msg != "c" {
		t.Fatalf("Resume(2) = %v, %v", seqs(replay), err)
	}
	// Nothing new reached the peer: replay the same.
	replay, err = o.Resume(2)
	if err != nil || !equalSeqs(seqs(replay), []int64{3, 4}) {
		t.Fatalf("Resume(2) again = %v, %v", seqs(replay), err)
	}
	// A peer that forgot what it acknowledged cannot be served.
	if _, err := o.Resume(1); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Resume behind the ack = %v", err)
	}
	if _, err := o.Resume(5); !errors.Is(err, ErrProtocol) {
		t.Fatalf("Resume past the last sent = %v", err)
	}
	replay, err = o.Resume(4)
	if err != nil || len(replay) != 0 {
		t.Fatalf("Resume(4) = %v, %v", seqs(replay), err)
	}
}

func TestOutboundResetAndRestore(t *testing.T) {
	o := NewOutbound[string](Limits{Messages: 5})
	for _, m := range []string{"a", "b", "c"} {
		o.Push(m, 1)
	}
	o.Ack(1)
	lost := o.Reset()
	if !equalSeqs(seqs(lost), []int64{2, 3}) || lost[1].Msg != "c" {
		t.Fatalf("Reset = %v", lost)
	}
	if o.Len() != 0 || o.Last() != 0 || o.Acked() != 0 || o.Bytes() != 0 {
		t.Fatal("Reset left state behind")
	}
	if seq, _ := o.Push("x", 1); seq != 1 {
		t.Fatalf("first seq after Reset = %d", seq)
	}
	// Reset kept the limits.
	for i := 0; i < 4; i++ {
		o.Push("y", 1)
	}
	if _, err := o.Push("z", 1); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("limits after Reset: %v", err)
	}
	o.Restore(10, []Pending[string]{{Msg: "k", Size: 4}, {Msg: "l", Size: 5}})
	if got := seqs(o.Unacked()); !equalSeqs(got, []int64{11, 12}) || o.Bytes() != 9 || o.Last() != 12 || o.Acked() != 10 {
		t.Fatalf("Restore: %v bytes %d last %d acked %d", got, o.Bytes(), o.Last(), o.Acked())
	}
}

// TestOutboundLongRun pushes and acks in uneven steps, so that the buffer
// compacts, and checks that what is unacknowledged is always exactly the
// messages after the ack.
func TestOutboundLongRun(t *testing.T) {
	o := NewOutbound[int64](Limits{Messages: 300, Bytes: 1 << 30})
	var acked int64
	for round := 0; round < 200; round++ {
		for o.Len() < 250 {
			want := o.Last() + 1
			seq, err := o.Push(want, 8)
			if err != nil || seq != want {
				t.Fatalf("Push = %d, %v; want %d", seq, err, want)
			}
		}
		acked += int64(1 + round%97)
		if _, err := o.Ack(acked); err != nil {
			t.Fatal(err)
		}
		u := o.Unacked()
		if len(u) != int(o.Last()-acked) || o.Bytes() != 8*len(u) {
			t.Fatalf("round %d: %d unacked, bytes %d, last %d, acked %d", round, len(u), o.Bytes(), o.Last(), acked)
		}
		for i, p := range u {
			if p.Seq != acked+1+int64(i) || p.Msg != p.Seq {
				t.Fatalf("round %d: unacked[%d] = %+v", round, i, p)
			}
		}
	}
}
