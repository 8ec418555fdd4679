//go:build !js

package wsbeat_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat"
)

// Benchmarks of the native client on loopback, 64-byte binary messages to
// an echo: a raw coder/websocket client against a raw echo, wsbeat without
// Reliable against the same echo, and wsbeat with Reliable against a
// reliable.Server echo. Throughput pipelines b.N messages (msgs/s is the
// figure); RTT sends one message at a time and waits for its echo. Both
// report cpu-ns/msg, the CPU time of the process (client and server) per
// message, which a busy machine disturbs less than the wall clock.

var bench64 = make([]byte, 64)

func rawEchoServer(b *testing.B) string {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			typ, p, err := ws.Read(r.Context())
			if err != nil {
				return
			}
			if ws.Write(r.Context(), typ, p) != nil {
				return
			}
		}
	}))
	b.Cleanup(func() {
		ts.CloseClientConnections()
		ts.Close()
	})
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

// rawClient is a coder/websocket connection to a raw echo, closed when
// the benchmark ends.
func rawClient(b *testing.B) *websocket.Conn {
	ws, _, err := websocket.Dial(context.Background(), rawEchoServer(b), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ws.CloseNow() })
	return ws
}

func reliableEchoServer(b *testing.B) string {
	_, ts := echoApp(b, nil)
	return "ws" + strings.TrimPrefix(ts.URL, "http")
}

// benchModes are the wsbeat Sockets measured: plain against the raw echo,
// Reliable against a reliable.Server echo.
var benchModes = []benchMode{{"wsbeat", false}, {"reliable", true}}

type benchMode struct {
	name     string
	reliable bool
}

func (m benchMode) socket(b *testing.B) *benchSocket {
	if m.reliable {
		return newBenchSocket(b, reliableEchoServer(b), true)
	}
	return newBenchSocket(b, rawEchoServer(b), false)
}

// benchSocket is a Socket whose received messages are counted.
type benchSocket struct {
	s    *wsbeat.Socket
	got  atomic.Int64
	wake chan struct{}
}

func newBenchSocket(b *testing.B, url string, isReliable bool) *benchSocket {
	bs := &benchSocket{wake: make(chan struct{}, 1)}
	opened := make(chan struct{}, 1)
	o := &wsbeat.Options{Reliable: isReliable, OnEvent: func(e wsbeat.Event) {
		switch e.Type {
		case wsbeat.EventMessage:
			bs.got.Add(1)
			select {
			case bs.wake <- struct{}{}:
			default:
			}
		case wsbeat.EventOpen:
			select {
			case opened <- struct{}{}:
			default:
			}
		}
	}}
	s, err := wsbeat.New(url, o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { closeAndWait(b, s) })
	select {
	case <-opened:
	case <-time.After(wait):
		b.Fatal("not open")
	}
	bs.s = s
	return bs
}

// send sends m, waiting for room when the buffer is full (with Reliable:
// for the server's acks).
func (bs *benchSocket) send(b *testing.B) {
	for {
		_, err := bs.s.SendBinary(bench64)
		if err == nil {
			return
		}
		if !errors.Is(err, wsbeat.ErrQueueFull) && !errors.Is(err, wsbeat.ErrBufferFull) {
			b.Fatal(err)
		}
		select {
		case <-bs.wake:
		case <-time.After(time.Millisecond):
		}
	}
}

// await waits until n messages have arrived in all.
func (bs *benchSocket) await(b *testing.B, n int64) {
	deadline := time.After(time.Minute)
	for bs.got.Load() < n {
		select {
		case <-bs.wake:
		case <-deadline:
			b.Fatalf("%d of %d echoes after a minute", bs.got.Load(), n)
		}
	}
}

func BenchmarkNativeThroughput64(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		ctx := context.Background()
		ws := rawClient(b)
		done := make(chan error, 1)
		b.ResetTimer()
		cpu0 := cpuTime()
		go func() {
			for i := 0; i < b.N; i++ {
				if _, _, err := ws.Read(ctx); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for i := 0; i < b.N; i++ {
			if err := ws.Write(ctx, websocket.MessageBinary, bench64); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		reportCPU(b, cpu0)
	})
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			bs := mode.socket(b)
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 0; i < b.N; i++ {
				bs.send(b)
			}
			bs.await(b, int64(b.N))
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
			reportCPU(b, cpu0)
		})
	}
}

func BenchmarkNativeRTT64(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		ctx := context.Background()
		ws := rawClient(b)
		b.ResetTimer()
		cpu0 := cpuTime()
		for i := 0; i < b.N; i++ {
			if err := ws.Write(ctx, websocket.MessageBinary, bench64); err != nil {
				b.Fatal(err)
			}
			if _, _, err := ws.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
		reportCPU(b, cpu0)
	})
	for _, mode := range benchModes {
		b.Run(mode.name, func(b *testing.B) {
			bs := mode.socket(b)
			b.ResetTimer()
			cpu0 := cpuTime()
			for i := 1; i <= b.N; i++ {
				bs.send(b)
				bs.await(b, int64(i))
			}
			reportCPU(b, cpu0)
		})
	}
}

// reportCPU reports the process's CPU time per message since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration) {
	if cpu0 == 0 {
		return
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/msg")
}
