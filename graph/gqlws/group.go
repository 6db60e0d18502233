package gqlws

import (
	"context"
	"encoding/json"
	"runtime"
	"sync"

	"github.com/99designs/gqlgen/graphql"
)

// group is one execution of a shared subscription and the operations it serves.
type group struct {
	key          string
	cancel       context.CancelFunc // ends the execution
	replayLatest bool

	mu      sync.Mutex
	members []*member
	latest  []byte // the last event, for replayLatest
	ended   bool
}

// member is an operation in a group, with its ready-made envelope.
type member struct {
	op       *operation
	group    *group
	envelope []byte
	idx      int
}

// share puts op into the group of key, creating it (and running its execution in this
// goroutine) if there is none; a joining operation's own execution is cancelled.
func (s *Server) share(op *operation, key string, slot *shareSlot, responses graphql.ResponseHandler, rctx context.Context, cancel context.CancelFunc) {
	s.mu.Lock()
	if op.isStopped() {
		s.mu.Unlock()
		cancel()
		return
	}
	g := s.groups[key]
	leader := g == nil
	if leader {
		g = &group{key: key, cancel: cancel, replayLatest: slot.replayLatest}
		s.groups[key] = g
	}
	m := &member{op: op, group: g, envelope: envelope(op.id, op.c.proto.next)}
	g.mu.Lock()
	m.idx = len(g.members)
	g.members = append(g.members, m)
	if g.latest != nil {
		scratch := scratchPool.Get().(*[]byte)
		op.c.deliver(scratch, m.envelope, g.latest, closingBrace)
		scratchPool.Put(scratch)
	}
	g.mu.Unlock()
	op.member = m
	s.mu.Unlock()
	if slot.ends != nil {
		go op.endWhen(slot.ends) // once a member: it ends by leaving
	}

	if !leader {
		cancel()
		op.setCancel(nil) // a member ends by leaving; its cancelled execution's context may go
		return
	}
	defer s.endGroup(g) // also when the execution panics: members are completed, not stranded
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		b, err := json.Marshal(resp)
		if err != nil {
			s.cfg.Log.Error("websocket: shared event not encoded", "err", err)
			continue
		}
		g.broadcast(b)
	}
}

// broadcast sends event to every member; it never waits for a client. Large groups are
// split between the processors: the writes are system calls.
func (g *group) broadcast(event []byte) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.replayLatest {
		g.latest = event
	}
	members := g.members
	workers := min(runtime.GOMAXPROCS(0), len(members)/broadcastChunk)
	if workers <= 1 {
		sendEach(members, event)
		return
	}
	per := (len(members) + workers - 1) / workers
	var wg sync.WaitGroup
	for start := 0; start < len(members); start += per {
		part := members[start:min(start+per, len(members))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			sendEach(part, event)
		}()
	}
	wg.Wait()
}

// broadcastChunk is the group size from which a broadcast uses a second processor.
const broadcastChunk = 256

// sendEach writes event behind each member's envelope, building every frame in one
// reused buffer.
func sendEach(members []*member, event []byte) {
	scratch := scratchPool.Get().(*[]byte)
	defer scratchPool.Put(scratch)
	for _, m := range members {
		if !m.op.isStopped() { // stopped by its client, not yet out of the group
			m.op.c.deliver(scratch, m.envelope, event, closingBrace)
		}
	}
}

// leave takes op out of its group, ending the group's execution with its last member.
// It reports false when op was in no group.
func (s *Server) leave(op *operation) bool {
	s.mu.Lock()
	m := op.member
	if m == nil {
		s.mu.Unlock()
		return false
	}
	op.member = nil
	g := m.group
	g.mu.Lock()
	last := len(g.members) - 1
	if m.idx <= last && g.members[m.idx] == m {
		g.members[m.idx] = g.members[last]
		g.members[m.idx].idx = m.idx
		g.members[last] = nil
		g.members = g.members[:last]
	}
	empty := len(g.members) == 0 && !g.ended
	if empty {
		g.ended = true
		if s.groups[g.key] == g {
			delete(s.groups, g.key)
		}
	}
	g.mu.Unlock()
	s.mu.Unlock()
	if empty {
		g.cancel()
	}
	return true
}

// endGroup runs when the execution stops: members that are still there are completed
// (the resolver ended the stream, for example a question the viewer may no longer see).
func (s *Server) endGroup(g *group) {
	s.mu.Lock()
	if s.groups[g.key] == g {
		delete(s.groups, g.key)
	}
	g.mu.Lock()
	g.ended = true
	members := g.members
	g.members = nil
	g.mu.Unlock()
	for _, m := range members {
		m.op.member = nil
	}
	s.mu.Unlock()
	g.cancel()
	for _, m := range members {
		m.op.complete()
	}
}
