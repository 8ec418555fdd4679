//go:build !js

package wsbeat_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/wsbeat/wsbeat"
	"github.com/wsbeat/wsbeat/reliable"
	"github.com/wsbeat/wsbeat/server/echo"
)

// This example connects to an echo server, sends "hello" once the
// connection is open and prints the echo.
func ExampleNew() {
	srv := echo.New(echo.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	// OnEvent runs one event at a time and must not block for long:
	// hand what is needed to the rest of the program.
	opened := make(chan struct{}, 1)
	messages := make(chan string, 16)
	closed := make(chan wsbeat.CloseInfo, 1)
	s, err := wsbeat.New(ts.URL+"/echo", &wsbeat.Options{
		OnEvent: func(e wsbeat.Event) {
			switch e.Type {
			case wsbeat.EventOpen:
				opened <- struct{}{}
			case wsbeat.EventMessage:
				text, _ := e.Message.Text()
				messages <- text
			case wsbeat.EventClose:
				if !e.WillReconnect {
					closed <- e.Close
				}
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	<-opened
	res, _ := s.SendText("hello")
	fmt.Println(res)
	fmt.Println(<-messages)

	s.Close(wsbeat.CodeNormal, "done")
	c := <-closed
	fmt.Println(c.Code, c.Reason)
	// Output:
	// sent
	// hello
	// 1000 done
}

// Messages sent while the Socket is not open wait in a queue and go out, in
// order, as soon as a connection opens.
func ExampleSocket_Send() {
	srv := echo.New(echo.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Shutdown(context.Background())

	messages := make(chan string, 16)
	closed := make(chan struct{})
	s, err := wsbeat.New(ts.URL+"/echo", &wsbeat.Options{
		StartClosed: true, // connect only when Reconnect is called
		OnEvent: func(e wsbeat.Event) {
			switch e.Type {
			case wsbeat.EventMessage:
				text, _ := e.Message.Text()
				messages <- text
			case wsbeat.EventClose:
				if !e.WillReconnect {
					close(closed)
				}
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	for _, text := range []string{"first", "second"} {
		res, _ := s.Send(wsbeat.Text(text))
		fmt.Println(text, res)
	}
	fmt.Println("waiting:", s.QueuedMessages())

	s.Reconnect(0, "")
	fmt.Println("echo:", <-messages)
	fmt.Println("echo:", <-messages)
	fmt.Println("waiting:", s.QueuedMessages())

	s.Close(wsbeat.CodeNormal, "")
	<-closed
	// Output:
	// first queued
	// second queued
	// waiting: 2
	// echo: first
	// echo: second
	// waiting: 0
}

// Options left zero take their defaults; the browser API's "0 means off"
// values are negative numbers in Go.
func ExampleOptions() {
	opts := &wsbeat.Options{
		// Ping after 15s of inbound silence; an unanswered ping for 5s
		// means the connection is dead.
		HeartbeatInterval: 15 * time.Second,
		HeartbeatTimeout:  5 * time.Second,
		HeartbeatMessage:  `{"type":"ping"}`,
		HeartbeatResponse: `{"type":"pong"}`,

		// Back off from 1s up to 30s between failed attempts, for at most
		// 20 attempts in a row.
		MinReconnectionDelay: time.Second,
		MaxReconnectionDelay: 30 * time.Second,
		MaxRetries:           20,

		// Hold at most 100 messages while disconnected; refuse more.
		MaxEnqueuedMessages: 100,
		Overflow:            wsbeat.OverflowError,

		// Also give up on "unauthorized" from the application.
		ShouldReconnect: func(c wsbeat.CloseInfo) bool {
			return c.Code != 4001 && wsbeat.DefaultShouldReconnect(c)
		},

		StartClosed: true,
	}
	s, err := wsbeat.New("https://example.com/feed", opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(wsbeat.CodeNormal, "")
	fmt.Println(s.URL(), s.State(), opts.Overflow)

	// Bad options fail at once, with an error that names them.
	_, err = wsbeat.New("wss://example.com/feed", &wsbeat.Options{ReconnectionDelayGrowFactor: 0.5})
	fmt.Println(errors.Is(err, wsbeat.ErrInvalidOption))
	// Output:
	// wss://example.com/feed closed throw
	// true
}

// The default policy reconnects after every close except those whose code
// says that a retry would fail the same way.
func ExampleDefaultShouldReconnect() {
	for _, code := range []int{1000, 1001, 1006, 1008, 1011, 4000, 4001, 4403} {
		fmt.Println(code, wsbeat.DefaultShouldReconnect(wsbeat.CloseInfo{Code: code}))
	}
	// Output:
	// 1000 true
	// 1001 true
	// 1006 true
	// 1008 false
	// 1011 true
	// 4000 true
	// 4001 true
	// 4403 false
}

// This example sends with Options.Reliable to a reliable.Server: the
// message is numbered and kept until the server's application has read it,
// across any reconnects, and the answer arrives once. A sessionlost event
// would list what could not be confirmed if the server forgot the session.
func ExampleOptions_reliable() {
	srv := reliable.NewServer(nil, func(ctx context.Context, s *reliable.Session) {
		for {
			m, err := s.Read(ctx)
			if err != nil {
				return
			}
			s.Write(ctx, reliable.Message{Data: append([]byte("got "), m.Data...)})
		}
	})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	messages := make(chan string, 16)
	s, err := wsbeat.New(ts.URL, &wsbeat.Options{
		Reliable: true,
		OnEvent: func(e wsbeat.Event) {
			switch e.Type {
			case wsbeat.EventMessage:
				text, _ := e.Message.Text()
				messages <- text
			case wsbeat.EventSessionLost:
				fmt.Println("unconfirmed:", len(e.Unconfirmed))
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close(wsbeat.CodeNormal, "done")

	// Sent before the connection is open: held, then sent after the
	// handshake, in order.
	s.SendText("order 66")
	fmt.Println(<-messages)
	// Output:
	// got order 66
}
