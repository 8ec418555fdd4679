package reliable

import (
	"context"
	"sync"
	"time"
)

// MemoryStore is the default Store: sessions in this process's memory,
// lost when it exits. Several Servers in one process may share one, which
// is how the tests show a session moving between instances.
type MemoryStore struct {
	now func() time.Time

	mu       sync.Mutex
	sessions map[string]*memSession
}

type memSession struct {
	owner   string
	expires time.Time
	state   State
}

// NewMemoryStore returns an empty MemoryStore.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{now: time.Now, sessions: make(map[string]*memSession)}
}

// Len returns how many sessions the store holds, expired ones excluded.
func (m *MemoryStore) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	return len(m.sessions)
}

// sweep drops expired sessions; m.mu is held.
func (m *MemoryStore) sweep() {
	now := m.now()
	for id, s := range m.sessions {
		if !now.Before(s.expires) {
			delete(m.sessions, id)
		}
	}
}

// owned returns id's session if owner owns it; m.mu is held.
func (m *MemoryStore) owned(id, owner string) (*memSession, error) {
	s, ok := m.sessions[id]
	if !ok || !m.now().Before(s.expires) {
		delete(m.sessions, id)
		return nil, ErrUnknownSession
	}
	if s.owner != owner {
		return nil, ErrSessionMoved
	}
	return s, nil
}

// Create implements Store.
func (m *MemoryStore) Create(_ context.Context, id, owner string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep()
	m.sessions[id] = &memSession{owner: owner, expires: m.now().Add(ttl), state: State{ID: id}}
	return nil
}

// Claim implements Store. The state returned shares nothing with the
// store's.
func (m *MemoryStore) Claim(_ context.Context, id, owner string, ttl time.Duration) (State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.sessions[id]
	if !ok || !m.now().Before(s.expires) {
		delete(m.sessions, id)
		return State{}, ErrUnknownSession
	}
	s.owner, s.expires = owner, m.now().Add(ttl)
	st := s.state
	st.Pending = append([]Stored(nil), st.Pending...)
	return st, nil
}

// Append implements Store.
func (m *MemoryStore) Append(_ context.Context, id, owner string, msg Stored) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.owned(id, owner)
	if err != nil {
		return err
	}
	s.state.Pending = append(s.state.Pending, msg)
	return nil
}

// Ack implements Store.
func (m *MemoryStore) Ack(_ context.Context, id, owner string, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.owned(id, owner)
	if err != nil {
		return err
	}
	if seq <= s.state.Acked {
		return nil
	}
	n := min(int(seq-s.state.Acked), len(s.state.Pending))
	clear(s.state.Pending[:n])
	s.state.Pending = s.state.Pending[n:]
	s.state.Acked = seq
	return nil
}

// Deliver implements Store.
func (m *MemoryStore) Deliver(_ context.Context, id, owner string, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.owned(id, owner)
	if err != nil {
		return err
	}
	s.state.Delivered = max(s.state.Delivered, seq)
	return nil
}

// Touch implements Store.
func (m *MemoryStore) Touch(_ context.Context, id, owner string, ttl time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, err := m.owned(id, owner)
	if err != nil {
		return err
	}
	s.expires = m.now().Add(ttl)
	return nil
}

// Delete implements Store.
func (m *MemoryStore) Delete(_ context.Context, id, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.owned(id, owner); err != nil {
		return err
	}
	delete(m.sessions, id)
	return nil
}
