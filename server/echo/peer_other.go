//go:build !linux && !js

package echo

import "net"

// peerGone reports false: without Linux's TCP_INFO the server cannot tell
// that the client went away without reading from the socket, so a silenced
// connection lingers until drop or Shutdown.
func peerGone(net.Conn) bool {
	return false
}
