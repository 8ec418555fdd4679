package reliable_test

import (
	"context"
	"log"
	"net/http"

	"github.com/wsbeat/wsbeat/reliable"
)

// A chat-like echo: every message a client sends is answered once, and
// neither the message nor the answer is lost when the connection drops.
func ExampleNewServer() {
	srv := reliable.NewServer(&reliable.Options{
		Logf: log.Printf,
	}, func(ctx context.Context, s *reliable.Session) {
		for {
			m, err := s.Read(ctx)
			if err != nil {
				return // expired, closed by the client, or the server closed
			}
			if err := s.Write(ctx, m); err != nil {
				return
			}
		}
	})
	defer srv.Close()
	http.Handle("/chat", srv)
}

// One path for reliable and plain clients.
func ExampleOffered() {
	srv := reliable.NewServer(nil, func(ctx context.Context, s *reliable.Session) { <-ctx.Done() })
	var plain http.Handler = http.NotFoundHandler()
	http.HandleFunc("/ws", func(w http.ResponseWriter, r *http.Request) {
		if reliable.Offered(r) {
			srv.ServeHTTP(w, r)
			return
		}
		plain.ServeHTTP(w, r)
	})
}
