//go:build !js

package echo

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/wsbeat/wsbeat/reliable"
	"github.com/wsbeat/wsbeat/reliable/wire"
)

// sessionState is what the echo server knows of one reliable session:
// the tag and delay of its latest connection. Server.mu guards it.
type sessionState struct {
	tag   *tagState // nil when untagged
	delay time.Duration
}

func (st *sessionState) tagName() string {
	if st.tag == nil {
		return ""
	}
	return st.tag.name
}

// newReliable returns the reliable.Server behind /echo's reliable clients.
func (s *Server) newReliable() *reliable.Server {
	opts := &reliable.Options{
		TTL:          s.cfg.SessionTTL,
		MaxSessions:  s.cfg.MaxSessions,
		Limits:       wire.Limits{Bytes: int(min(s.cfg.ReadLimit, 1<<30))},
		WriteTimeout: s.cfg.WriteTimeout,
		Logf:         s.cfg.Logf,
	}
	return reliable.NewServer(opts, s.echoSession)
}

// offersReliable reports whether r is served by a reliable session: the
// client offers wsbeat.reliable.v1, /echo echoes (no Upstream) and the
// query does not ask for protocol=none.
func (s *Server) offersReliable(r *http.Request) bool {
	return s.cfg.Upstream == "" && r.URL.Query().Get("protocol") != "none" && reliable.Offered(r)
}

// serveReliable hands the accepted connection to the reliable server until
// it ends. The connection joins its session before the welcome is sent.
func (c *conn) serveReliable(ctx context.Context) {
	defer c.ws.CloseNow()
	defer c.leave()
	c.s.rel.ServeConn(ctx, c.ws, c.join)
}

// join makes c's tag and delay those of sess, the session c joined,
// and wakes whoever waits for c to join.
func (c *conn) join(sess *reliable.Session) {
	s := c.s
	s.mu.Lock()
	defer s.mu.Unlock()
	defer c.leave()
	select {
	case <-sess.Done():
		// Its handler may have forgotten it already: do not bring it
		// back. (The handler forgets it under s.mu after Done.)
		return
	default:
	}
	st := s.sessionLocked(sess)
	st.tag, st.delay = c.tag, c.delay
}

// leave wakes whoever waits for c to join a session: c joined one, or
// never will.
func (c *conn) leave() {
	c.joinOnce.Do(func() { close(c.joined) })
}

// sessionLocked returns the state of sess, creating it; s.mu is held.
func (s *Server) sessionLocked(sess *reliable.Session) *sessionState {
	st := s.sessions[sess]
	if st == nil {
		st = &sessionState{}
		s.sessions[sess] = st
	}
	return st
}

// pendingEcho is one message the session's writer sends back when due.
type pendingEcho struct {
	due time.Time
	msg reliable.Message
}

// echoSession is the application of every reliable session: it records
// each message the session delivers (once: the session never delivers a
// replay twice) and writes it back, after the delay of the session's
// latest connection. A reader and a writer keep the delays running in
// parallel, as on plain connections.
func (s *Server) echoSession(ctx context.Context, sess *reliable.Session) {
	defer func() {
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()
	echoes := make(chan pendingEcho, maxDelayedReplies)
	room := make(chan struct{}, 1) // the writer took bytes off the backlog
	var backlog atomic.Int64
	var writer sync.WaitGroup
	defer writer.Wait()
	defer close(echoes)
	writer.Go(func() { s.writeEchoes(ctx, sess, echoes, room, &backlog) })
	for {
		// Reading no further while the backlog is full leaves the client's
		// messages unacknowledged: it waits, and loses nothing.
		for backlog.Load() > s.cfg.MaxDelayBacklog {
			select {
			case <-room:
			case <-ctx.Done():
				return
			}
		}
		m, err := sess.Read(ctx)
		if err != nil {
			s.logf("echo: reliable session %s ended: %v", sess.ID(), err)
			return
		}
		s.mu.Lock()
		st := s.sessionLocked(sess)
		tag, tagName, delay := st.tag, st.tagName(), st.delay
		s.mu.Unlock()
		s.countReceived(tag)
		typ := websocket.MessageText
		if m.Binary {
			typ = websocket.MessageBinary
		}
		s.log.add(tagName, typ, m.Data)
		backlog.Add(int64(len(m.Data)))
		select {
		case echoes <- pendingEcho{due: time.Now().Add(delay), msg: m}:
		case <-ctx.Done():
			return
		}
	}
}

// writeEchoes writes each echo into the session when it is due.
func (s *Server) writeEchoes(ctx context.Context, sess *reliable.Session, echoes <-chan pendingEcho, room chan<- struct{}, backlog *atomic.Int64) {
	t := time.NewTimer(0)
	defer t.Stop()
	for e := range echoes {
		if d := time.Until(e.due); d > 0 {
			t.Reset(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				return
			}
		}
		err := s.writeSession(ctx, sess, e.msg)
		if ctx.Err() != nil {
			return // the session ended
		}
		if err != nil {
			// Not the session's end (say, a message over the limits):
			// this echo is lost, the next ones are not.
			s.logf("echo: reliable session %s: echo not written: %v", sess.ID(), err)
		}
		backlog.Add(-int64(len(e.msg.Data)))
		select {
		case room <- struct{}{}:
		default:
		}
	}
}

// writeSession writes m into sess (it goes out in the sequence, now or
// after the client's next reconnect) and counts it for the session's tag.
func (s *Server) writeSession(ctx context.Context, sess *reliable.Session, m reliable.Message) error {
	if err := sess.Write(ctx, m); err != nil {
		return err
	}
	var tag *tagState
	s.mu.Lock()
	// Not sessionLocked: a session that ended meanwhile stays forgotten.
	if st := s.sessions[sess]; st != nil {
		tag = st.tag
	}
	s.mu.Unlock()
	s.countSent(tag)
	return nil
}

// sessionsOf returns the live reliable sessions of tag, or all of them
// when tag is "". It first waits, while ctx allows, for the tag's
// connections that have not yet joined their session (a client between
// its 101 and its hello), so that a control action sent after
// /control/wait reached the connection reaches its session too.
func (s *Server) sessionsOf(ctx context.Context, tag string) []*reliable.Session {
	for _, c := range s.snapshot(tag) {
		if c.joined == nil {
			continue
		}
		select {
		case <-c.joined:
		case <-ctx.Done():
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*reliable.Session
	for sess, st := range s.sessions {
		if tag == "" || st.tagName() == tag {
			out = append(out, sess)
		}
	}
	return out
}

// endSessions closes the reliable sessions of tag, or all of them when tag
// is "": their clients are welcomed into new sessions and report what was
// not acknowledged as lost. It returns how many it closed.
func (s *Server) endSessions(ctx context.Context, tag string) int {
	ss := s.sessionsOf(ctx, tag)
	for _, sess := range ss {
		sess.Close()
	}
	return len(ss)
}
