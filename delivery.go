package wsbeat

// emit queues e for delivery once the lock is released.
func (s *Socket) emit(e Event) {
	on := s.opts.OnEvent
	s.outbox = append(s.outbox, func() { on(e) })
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

// runGuarded runs one outbox entry; a panicking event handler is logged
// and must not wedge delivery.
func (s *Socket) runGuarded(a func()) {
	defer func() {
		if r := recover(); r != nil {
			s.opts.Logf("wsbeat: event handler panicked: %v", r)
		}
	}()
	a()
}
