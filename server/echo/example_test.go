//go:build !js

package echo_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/server/echo"
)

// Start the server in-process, echo a message, then break the connection
// through the control API, as a reconnect test would.
func Example() {
	s := echo.New(echo.Config{Control: true})
	ts := httptest.NewServer(s)
	defer ts.Close()
	defer s.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(ts.URL, "http")+"/echo", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.CloseNow()

	c.Write(ctx, websocket.MessageText, []byte("hello"))
	_, msg, _ := c.Read(ctx)
	fmt.Printf("echo: %s\n", msg)

	resp, err := http.Post(ts.URL+"/control/close?code=4001&reason=test", "", nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	_, _, err = c.Read(ctx)
	fmt.Println("close status:", websocket.CloseStatus(err))
	// Output:
	// echo: hello
	// close status: StatusCode(4001)
}
