package wsbeat

// emit queues e for delivery once the lock is released.
func (s *Socket) emit(e Event) {
	on := s.opts.OnEvent
	s.later(func() { on(e) })
}

// unlockAndDeliver releases the lock and delivers queued events and
// actions in order. Whoever finds delivery idle does it; a handler that
// calls back into the Socket only adds to the outbox, so events never nest
// or overtake each other.
func (s *Socket) unlockAndDeliver() {
	if s.delivering || len(s.outbox) == 0 {
		s.mu.Unlock()
		return
	}
	s.delivering = true
	for len(s.outbox) > 0 {
		a := s.outbox[0]
		s.outbox[0] = nil
		s.outbox = s.outbox[1:]
		s.mu.Unlock()
		s.runGuarded(a)
		s.mu.Lock()
	}
	s.outbox = nil
	s.delivering = false
	s.mu.Unlock()
}

// later queues f, which calls user code, to run once the lock is
// released, in order with the events: user code never runs under the lock,
// so it may call any method of the Socket.
func (s *Socket) later(f func()) { s.outbox = append(s.outbox, f) }

// logf queues a log line for Options.Logf, which is user code.
func (s *Socket) logf(format string, args ...any) {
	logf := s.opts.Logf
	s.later(func() { logf(format, args...) })
}

// runGuarded runs one outbox entry; a panicking event handler is logged
// and must not wedge delivery.
func (s *Socket) runGuarded(a func()) {
	defer func() {
		if r := recover(); r != nil {
			s.logPanic("event handler", r)
		}
	}()
	a()
}

// logPanic logs a panic of user code, outside the lock. A Logf that
// panics too is given up on: its panic is not let out either.
func (s *Socket) logPanic(what string, r any) {
	defer func() { _ = recover() }()
	s.opts.Logf("wsbeat: %s panicked: %v", what, r)
}
