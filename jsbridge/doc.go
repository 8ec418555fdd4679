//go:build js && wasm

// Package jsbridge connects the wsbeat engine to the browser: a Transport
// on the page's own WebSocket, the conversion of the JS API's options, and
// the functions wsbeat.js calls.
//
// Per-message work stays in JS: wsbeat.js sends on the open WebSocket
// itself and hands inbound messages straight to the page's listeners,
// noting only the time of the last one. Go is called for what needs the
// state machine: connection events, pongs, sends while not open, timers.
// A message's data crosses into Go only as an opaque value, never copied.
//
// Every function exported to JS runs behind one guard that turns a panic
// into a JS Error, and every js.Func has an owner that releases it: the
// engine object lives as long as the program, a connection's listeners as
// long as the connection, a single-use callback until it is called.
package jsbridge
