//go:build !js

package echo

// ReserveForTest takes a connection slot as an upgrade in progress does.
func ReserveForTest(s *Server) bool { return s.reserve() }

// ReleaseForTest gives n slots taken by ReserveForTest back.
func ReleaseForTest(s *Server, n int) { s.open.Add(-int64(n)) }

// WaitingForTest returns how many /control/wait requests are in progress.
func WaitingForTest(s *Server) int64 { return s.waiting.Load() }
