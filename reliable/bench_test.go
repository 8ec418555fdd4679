package reliable

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/coder/websocket"
	"github.com/wsbeat/wsbeat/reliable/reliabletest"
)

// The benchmarks compare, natively on loopback, an echo over
// wsbeat.reliable.v1 (reliabletest.Client, on package wire, against a Server)
// with a raw coder/websocket echo: throughput of 64-byte messages
// pipelined, and the round trip of one message at a time.

var payload64 = make([]byte, 64)

func echoHandler(ctx context.Context, s *Session) {
	for {
		m, err := s.Read(ctx)
		if err != nil {
			return
		}
		if s.Write(ctx, m) != nil {
			return
		}
	}
}

func rawEcho(b *testing.B) *httptest.Server {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ws, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer ws.CloseNow()
		for {
			typ, p, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			if ws.Write(context.Background(), typ, p) != nil {
				return
			}
		}
	}))
	b.Cleanup(hs.Close)
	return hs
}

// reliableEcho starts a Server that echoes, and a client of it that keeps
// no message (Delivered counts them).
func reliableEcho(b *testing.B) *reliabletest.Client {
	srv := NewServer(nil, echoHandler)
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		srv.Close()
		hs.CloseClientConnections()
		hs.Close()
	})
	c := reliabletest.NewClient(func() string { return wsURL(hs.URL) }, &reliabletest.Options{PingEvery: clientPingEvery, PingTimeout: clientPingTimeout, Discard: true})
	b.Cleanup(c.Close)
	return c
}

func BenchmarkThroughput64(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		hs := rawEcho(b)
		ctx := context.Background()
		ws, _, err := websocket.Dial(ctx, wsURL(hs.URL), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.CloseNow()
		done := make(chan error, 1)
		b.ResetTimer()
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
			if err := ws.Write(ctx, websocket.MessageBinary, payload64); err != nil {
				b.Fatal(err)
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	})
	b.Run("reliable", func(b *testing.B) {
		c := reliableEcho(b)
		ctx := context.Background()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := send(ctx, c, Message{Binary: true, Data: payload64}); err != nil {
				b.Fatal(err)
			}
		}
		if err := c.Wait(ctx, func(s reliabletest.State) bool { return s.Delivered >= int64(b.N) }); err != nil {
			b.Fatal(err)
		}
	})
}

func BenchmarkRTT64(b *testing.B) {
	b.Run("raw", func(b *testing.B) {
		hs := rawEcho(b)
		ctx := context.Background()
		ws, _, err := websocket.Dial(ctx, wsURL(hs.URL), nil)
		if err != nil {
			b.Fatal(err)
		}
		defer ws.CloseNow()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			if err := ws.Write(ctx, websocket.MessageBinary, payload64); err != nil {
				b.Fatal(err)
			}
			if _, _, err := ws.Read(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("reliable", func(b *testing.B) {
		c := reliableEcho(b)
		ctx := context.Background()
		b.ResetTimer()
		for i := 1; i <= b.N; i++ {
			if err := send(ctx, c, Message{Binary: true, Data: payload64}); err != nil {
				b.Fatal(err)
			}
			if err := c.Wait(ctx, func(s reliabletest.State) bool { return s.Delivered >= int64(i) }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
