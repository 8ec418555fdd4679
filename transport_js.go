//go:build js

package wsbeat

// defaultTransport is nil in the browser: package jsbridge provides the
// browser's WebSocket as a Transport.
func defaultTransport() Transport { return nil }

// defaultMaxBufferedBytes is no limit in the browser, whose WebSocket holds
// the send buffer and has never bounded it.
const defaultMaxBufferedBytes = -1
