// Package reliable is the server side of wsbeat.reliable.v1 (see
// docs/reliable.md): acknowledged, resumable delivery over
// github.com/coder/websocket.
//
// A Server is an http.Handler. The first connection of a client creates a
// Session and starts the application's handler with it in a goroutine;
// the client's later connections resume that Session, and Read and Write
// carry on across them: every message is delivered once, in order, in both
// directions, as long as the client comes back within the session's TTL.
//
//	srv := reliable.NewServer(nil, func(ctx context.Context, s *reliable.Session) {
//		for {
//			m, err := s.Read(ctx)
//			if err != nil {
//				return // the session expired or was closed
//			}
//			if err := s.Write(ctx, m); err != nil {
//				return
//			}
//		}
//	})
//	http.Handle("/chat", srv)
//
// Sessions live in a Store: in memory by default; a shared Store lets a
// session resume on another server instance. Options.MaxSessions caps the
// sessions served at once (a hello beyond it is closed with 1013, try
// again later). ServeConn serves a connection the caller accepted itself,
// as wsbeat's echo server does to keep its own hold on the connection.
// Package reliabletest is a client of the protocol for tests.
package reliable
