package wsbeat

import (
	"errors"
	"strconv"
	"testing"
	"testing/synctest"
	"time"

	"github.com/wsbeat/wsbeat/reliable/wire"
)

// FuzzReliableEngine plays a hostile or confused server to a Reliable
// Socket on the fake transport: welcomes into various sessions, data frames
// with any sequence, acks, pings, garbage, drops, through Received and
// through ReceivedData (the browser's path), with sends, time, Close and
// Reconnect between them. It checks that the engine never panics, never
// delivers a message twice or out of order within a session, never holds
// more than its limits, and abandons each conn at most once (the harness).
//
// Input: operations of 2 bytes (opcode, argument).
func FuzzReliableEngine(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 1, 2, 2, 2, 1, 6, 0, 3, 1, 7, 0, 8, 50, 0, 0, 1, 1, 2, 3})
	f.Add([]byte{6, 0, 6, 0, 0, 0, 1, 3, 10, 1, 10, 1, 10, 3, 8, 30, 9, 0, 9, 1, 0, 0, 1, 0})
	f.Add([]byte{0, 0, 5, 'W', 1, 0, 2, 1, 4, 0, 4, 1, 8, 255, 8, 255, 0, 0, 1, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		synctest.Test(t, func(t *testing.T) {
			var (
				sock    *Socket
				session string
				want    int64 = 1
			)
			deliver := func(payload string) {
				if id := sock.Session(); id != session {
					session, want = id, 1
				}
				if payload != strconv.FormatInt(want, 10) {
					t.Fatalf("session %q: delivered %q, want %d", session, payload, want)
				}
				want++
			}
			h := reliableHarness(t, &Options{MaxEnqueuedMessages: 5, HeartbeatInterval: time.Second, HeartbeatTimeout: time.Second,
				OnEvent: func(e Event) {
					if e.Type == EventMessage {
						d, _ := e.Message.Text()
						deliver(d)
					}
				}})
			sock = h.s
			for i := 0; i+1 < len(data); i += 2 {
				op, arg := data[i]%11, data[i+1]
				c := h.tr.last()
				live := c.live()
				switch op {
				case 0:
					if live && !c.isOpened() {
						c.openWith(Subprotocol, "")
					}
				case 1:
					if live {
						c.recv(wire.Control(wire.Frame{Kind: wire.Welcome, Session: "s" + strconv.Itoa(int(arg%3)), Seq: int64(arg / 3 % 8)}))
					}
				case 2:
					if live {
						seq := int64(arg%16) + 1
						c.recv(wire.DataHeader(seq) + strconv.FormatInt(seq, 10))
					}
				case 3:
					if live {
						c.recv(wire.Control(wire.Frame{Kind: wire.Ack, Seq: int64(arg % 16)}))
					}
				case 4:
					if live {
						k := wire.Ping
						if arg%2 == 1 {
							k = wire.Pong
						}
						c.recv(wire.Control(wire.Frame{Kind: k, Seq: int64(arg / 2 % 8)}))
					}
				case 5:
					if live && i+2 < len(data) {
						n := min(int(arg%8), len(data)-i-2)
						c.recv(string(data[i+2 : i+2+n]))
						i += n
					}
				case 6:
					if _, err := sock.SendText("m"); err != nil && !errors.Is(err, ErrQueueFull) && !errors.Is(err, ErrClosed) {
						t.Fatalf("SendText: %v", err)
					}
				case 7:
					if live {
						c.peerClose(CodeAbnormal, "", false)
					}
				case 8:
					h.advance(time.Duration(arg) * 20 * time.Millisecond)
				case 9:
					if arg%2 == 0 {
						sock.Close(CodeNormal, "")
					} else {
						sock.Reconnect(0, "")
					}
				case 10:
					if live {
						seq := int64(arg%16) + 1
						if c.ev.ReceivedData(seq, 1) {
							deliver(strconv.FormatInt(seq, 10))
						}
					}
				}
				synctest.Wait()
				if n := sock.QueuedMessages(); n > 5 {
					t.Fatalf("QueuedMessages = %d with a limit of 5", n)
				}
			}
		})
	})
}
