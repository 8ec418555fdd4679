//go:build !js

// Command server is the older name of wsbeat-server, kept so that
// `go run ./server` works; see cmd/wsbeat-server.
package main

import "github.com/wsbeat/wsbeat/server/cli"

func main() {
	cli.Main("server")
}
