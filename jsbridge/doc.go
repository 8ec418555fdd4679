//go:build js && wasm

// Package jsbridge connects the wsbeat engine to the browser: a Transport
// on the page's own WebSocket, the conversion of the JS API's options and
// errors, and the engine object whose functions the JS side (js/src)
// calls. The protocol between them, call by call, is docs/internals.md.
//
// Per-message work stays in JS: the socket sends on the open WebSocket
// itself and hands inbound messages straight to the page's listeners,
// noting only the last one. Go is called for what needs the state
// machine: connection events, pongs, sends while not open, timers. A
// message's data crosses into Go only as an opaque value, never copied.
// Go holds each socket's port (js/src/port.js), never the socket, and
// never runs page code under the engine's lock.
//
// Every function exported to JS runs behind one guard that turns a panic
// into a JS error with a code, and every js.Func has an owner that
// releases it: the engine object lives as long as the program, a URL
// function's callback until it is called.
package jsbridge
