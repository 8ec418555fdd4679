//go:build !js

// Command wsbeat-server is wsbeat's echo and fault-injection server: the
// server frontend test suites point their WebSockets at to break
// connections on purpose. A WebSocket echo (or, with -upstream, a proxy to
// your backend) at /echo, a control API at /control/*, and static files.
//
//	go install github.com/wsbeat/wsbeat/cmd/wsbeat-server@latest
//	wsbeat-server                         # http://127.0.0.1:8080
//	wsbeat-server -static /=public -static /dist/=node_modules/wsbeat/dist
//	wsbeat-server -upstream ws://127.0.0.1:9000/socket
//
// It answers only requests for localhost, *.localhost and IP addresses
// (-hosts adds names), never serves dotfiles, and the control API is on only
// on a loopback address unless -control is given; -token protects it
// further. SIGINT or SIGTERM closes every WebSocket with 1001 and stops.
// The flags, endpoints and security model are in docs/server.md.
package main

import "github.com/wsbeat/wsbeat/server/cli"

func main() {
	cli.Main("wsbeat-server")
}
