//go:build !js

package echo

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// peerCheckInterval is how often a silenced connection checks whether the
// client went away.
const peerCheckInterval = 250 * time.Millisecond

// aLongTimeAgo is a read deadline that interrupts a blocked Read at once.
var aLongTimeAgo = time.Unix(1, 0)

// switchConn is the hijacked TCP connection under a WebSocket. Once
// silenced, it stops reading from the socket, so the kernel's receive buffer
// fills and the client's writes eventually block, and it discards writes,
// so nothing reaches the client: not even the protocol-level pongs that
// coder/websocket sends by itself. A silenced switchConn stays open until it
// is closed or the client goes away.
type switchConn struct {
	net.Conn
	silenced  atomic.Bool
	closed    chan struct{}
	closeOnce sync.Once
}

func newSwitchConn(c net.Conn) *switchConn {
	return &switchConn{Conn: c, closed: make(chan struct{})}
}

// silence turns the connection into a black hole. It reports false when the
// connection was silenced already.
func (c *switchConn) silence() bool {
	if c.silenced.Swap(true) {
		return false
	}
	// Interrupt a Read blocked on the socket; no later Read reaches it.
	c.Conn.SetReadDeadline(aLongTimeAgo)
	return true
}

func (c *switchConn) isSilenced() bool {
	return c.silenced.Load()
}

// Read reads from the socket until the connection is silenced, and then
// blocks until Close or until the client goes away.
func (c *switchConn) Read(p []byte) (int, error) {
	if !c.silenced.Load() {
		n, err := c.Conn.Read(p)
		if n > 0 || err == nil || !c.silenced.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
			return n, err
		}
		// The deadline set by silence interrupted this Read.
	}
	t := time.NewTicker(peerCheckInterval)
	defer t.Stop()
	for {
		select {
		case <-c.closed:
			return 0, net.ErrClosed
		case <-t.C:
			if peerGone(c.Conn) {
				return 0, io.EOF
			}
		}
	}
}

// Write writes to the socket, or discards p once the connection is silenced.
func (c *switchConn) Write(p []byte) (int, error) {
	if c.silenced.Load() {
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// Close closes the socket and ends a silenced Read.
func (c *switchConn) Close() error {
	c.closeOnce.Do(func() { close(c.closed) })
	return c.Conn.Close()
}

// handshakeWriteTimeout bounds the write of the held-back 101 response.
const handshakeWriteTimeout = 5 * time.Second

// hijackWrapper wraps the connection that websocket.Accept hijacks in a
// switchConn, so that the server can silence it later, and holds back the
// 101 response, so that the server can register the connection before the
// client learns that the upgrade succeeded. That way a control request sent
// after the client's dial returned always reaches the new connection.
type hijackWrapper struct {
	http.ResponseWriter
	conn     *switchConn
	upgraded bool // WriteHeader(101) was held back
}

// WriteHeader holds back 101 and passes any other status on.
func (h *hijackWrapper) WriteHeader(status int) {
	if status == http.StatusSwitchingProtocols {
		h.upgraded = true
		return
	}
	h.ResponseWriter.WriteHeader(status)
}

// finishHandshake writes the held-back response straight to the socket,
// bypassing silence: status 101 with the headers Accept set, or status
// when it is not 101.
func (h *hijackWrapper) finishHandshake(status int) error {
	if !h.upgraded || h.conn == nil {
		return errors.New("no upgrade to finish")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", status, http.StatusText(status))
	if status == http.StatusSwitchingProtocols {
		h.Header().Write(&b)
	} else {
		b.WriteString("Connection: close\r\nContent-Length: 0\r\n")
	}
	b.WriteString("\r\n")
	h.conn.Conn.SetWriteDeadline(time.Now().Add(handshakeWriteTimeout))
	_, err := h.conn.Conn.Write(b.Bytes())
	h.conn.Conn.SetWriteDeadline(time.Time{})
	return err
}

// Hijack hijacks the underlying connection and returns it wrapped. The
// buffered writer is moved onto the wrapper; the buffered reader is left
// alone because websocket.Accept rebuilds it on the returned net.Conn.
func (h *hijackWrapper) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	nc, brw, err := http.NewResponseController(h.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	if err := brw.Writer.Flush(); err != nil {
		nc.Close()
		return nil, nil, err
	}
	h.conn = newSwitchConn(nc)
	brw.Writer.Reset(h.conn)
	return h.conn, brw, nil
}

// Unwrap lets http.ResponseController reach the original writer.
func (h *hijackWrapper) Unwrap() http.ResponseWriter {
	return h.ResponseWriter
}
