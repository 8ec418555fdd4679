//go:build js

package wsbeat

// defaultTransport is nil in the browser: package jsbridge provides the
// browser's WebSocket as a Transport.
func defaultTransport() Transport { return nil }
