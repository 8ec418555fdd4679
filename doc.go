// Package wsbeat is a WebSocket client that stays up.
//
// A Socket wraps one WebSocket connection at a time and keeps it alive:
//
//   - Heartbeat: after HeartbeatInterval of inbound silence it sends
//     HeartbeatMessage; any inbound message counts as life; a ping left
//     unanswered for HeartbeatTimeout declares the connection dead at once
//     (close code 4000, "heartbeat timeout") without waiting for the
//     transport, which can take a minute to notice a dead network.
//   - Reconnect: full-jitter exponential backoff, the delay before retry n
//     uniform in [0, min(MaxReconnectionDelay, MinReconnectionDelay ·
//     ReconnectionDelayGrowFactor^n)]; the first retry after a stable
//     connection is immediate; the retry count resets after MinUptime.
//   - Queue: messages sent while not open wait, within MaxEnqueuedMessages
//     and MaxEnqueuedBytes, and go out in order right after the open
//     handlers, so what those send goes first.
//   - Close policy: codes that mean a retry would fail the same way end the
//     Socket (DefaultShouldReconnect).
//
// The engine is pure Go: it talks to the network through a Transport and
// tells time through a Clock, both interfaces it defines. Natively the
// transport is github.com/coder/websocket; in the browser, package jsbridge
// wraps the page's own WebSocket and the JS API (wsbeat.js) sits on top.
//
// Defaults, the same as the browser API's:
//
//	MinReconnectionDelay         500ms
//	MaxReconnectionDelay         10s
//	ReconnectionDelayGrowFactor  1.5
//	MinUptime                    5s
//	ConnectionTimeout            4s
//	MaxRetries                   unlimited
//	MaxEnqueuedMessages          1000
//	MaxEnqueuedBytes             1 MiB
//	Overflow                     DropOldest
//	MaxBufferedBytes             16 MiB natively, none in the browser
//	ReadLimit                    16 MiB (native transport only)
//	HeartbeatInterval            25s
//	HeartbeatTimeout             10s
//	HeartbeatMessage             "ping"
//	HeartbeatResponse            "pong"
package wsbeat
