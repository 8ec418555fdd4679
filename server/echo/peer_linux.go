//go:build linux

package echo

import (
	"encoding/binary"
	"net"
	"syscall"
)

// tcpEstablished is TCP_ESTABLISHED from the kernel's tcp_states.h.
const tcpEstablished = 1

// peerGone reports whether the client closed or reset the TCP connection,
// without reading from it: a silenced connection must leave its receive
// buffer alone, and a FIN may wait behind unread data there. The first byte
// of struct tcp_info is the socket's TCP state, which leaves ESTABLISHED as
// soon as the kernel sees the client's FIN or RST.
func peerGone(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	gone := false
	err = raw.Control(func(fd uintptr) {
		// Asking for 4 bytes copies the first 4 bytes of tcp_info.
		v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_INFO)
		if err != nil {
			gone = true
			return
		}
		var b [4]byte
		binary.NativeEndian.PutUint32(b[:], uint32(v))
		gone = b[0] != tcpEstablished
	})
	return err != nil || gone
}
