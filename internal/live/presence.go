package live

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// PresenceTopic is the bus topic on which each instance publishes the experts it has
// online (presenceMessage).
const PresenceTopic = "live.presence"

// presenceMessage is one instance's set of online experts. An empty set says the
// instance has none (or is shutting down). Hello asks the others to publish theirs now:
// an instance that just subscribed would otherwise wait for their next heartbeat.
type presenceMessage struct {
	Instance string      `json:"instance"`
	Experts  []uuid.UUID `json:"experts"`
	Hello    bool        `json:"hello,omitempty"`
}

// presence counts the approved experts connected to this instance, publishes that set
// when it changes (at most once per MinInterval) and every Heartbeat while it is not
// empty, and keeps the sets of the other instances until they expire (PresenceExpiry
// without a heartbeat) or an instance publishes an empty set.
type presence struct {
	s     *Service
	start sync.Once

	mu       sync.Mutex
	local    map[uuid.UUID]int // expert -> open connections
	remote   map[string]remoteSet
	told     bool // the last set published was not empty
	started  bool
	watchers map[chan struct{}]struct{}

	wake chan struct{} // asks the publisher to publish soon
}

// remoteSet is another instance's experts, counted until expires.
type remoteSet struct {
	experts map[uuid.UUID]struct{}
	expires time.Time
}

func newPresence(s *Service) *presence {
	return &presence{s: s, local: map[uuid.UUID]int{}, remote: map[string]remoteSet{},
		watchers: map[chan struct{}]struct{}{}, wake: make(chan struct{}, 1)}
}

// Track counts the viewer of ctx among the experts online until release is called, if
// it is an approved expert: approval is read from the users row now, not from the token.
// Anyone else is not counted, and gets a release that does nothing. The websocket
// transport calls it for each authenticated connection after its init, the event-stream
// transport for each signed-in stream, and release when the connection ends; calling
// release again does nothing.
func (s *Service) Track(ctx context.Context) (release func()) {
	noop := func() {}
	p, ok := viewer.From(ctx)
	if !ok || p.Role != viewer.RoleExpert {
		return noop
	}
	approved, err := s.questions.ApprovedExpert(ctx, p.UserID)
	if err != nil {
		s.log.Warn("live: presence not tracked: approval unreadable", "user", p.UserID, "err", err)
		return noop
	}
	if !approved {
		return noop
	}
	s.presence.run()
	s.presence.add(p.UserID)
	var once sync.Once
	return func() { once.Do(func() { s.presence.remove(p.UserID) }) }
}

// OnlineExperts counts the approved experts connected to any instance: the union of this
// instance's set and the unexpired sets the others published.
func (s *Service) OnlineExperts() int {
	s.presence.run()
	return s.presence.count()
}

// run starts the publisher and the receiver, once.
func (p *presence) run() {
	p.start.Do(func() {
		if p.s.goBackground(func() { p.publishLoop(p.s.base) }) {
			p.s.goBackground(func() { p.receiveLoop(p.s.base) })
			p.mu.Lock()
			p.started = true
			p.mu.Unlock()
		}
	})
}

func (p *presence) add(id uuid.UUID) {
	p.mu.Lock()
	p.local[id]++
	first := p.local[id] == 1
	p.mu.Unlock()
	if first {
		p.changed(true)
	}
}

func (p *presence) remove(id uuid.UUID) {
	p.mu.Lock()
	p.local[id]--
	last := p.local[id] <= 0
	if last {
		delete(p.local, id)
	}
	p.mu.Unlock()
	if last {
		p.changed(true)
	}
}

// count is the size of the union of the local set and the unexpired remote ones.
func (p *presence) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	union := make(map[uuid.UUID]struct{}, len(p.local))
	for id := range p.local {
		union[id] = struct{}{}
	}
	for _, r := range p.remote {
		if now.Before(r.expires) {
			for id := range r.experts {
				union[id] = struct{}{}
			}
		}
	}
	return len(union)
}

// watch makes ch receive a token (without blocking) whenever the count may have
// changed; unwatch stops it.
func (p *presence) watch(ch chan struct{}) (unwatch func()) {
	p.mu.Lock()
	p.watchers[ch] = struct{}{}
	p.mu.Unlock()
	return func() {
		p.mu.Lock()
		delete(p.watchers, ch)
		p.mu.Unlock()
	}
}

// changed tells the watchers, and the publisher when the local set changed.
func (p *presence) changed(local bool) {
	if local {
		poke(p.wake)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for ch := range p.watchers {
		poke(ch)
	}
}

// poke puts a token in ch unless one is already there.
func poke(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// publishLoop publishes the local set when it changed (at most once per MinInterval),
// every Heartbeat while it is not empty, and forgets expired remote sets.
func (p *presence) publishLoop(ctx context.Context) {
	beat := time.NewTicker(p.s.opt.Heartbeat)
	defer beat.Stop()
	prune := time.NewTicker(max(p.s.opt.PresenceExpiry/4, 10*time.Millisecond))
	defer prune.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-p.wake:
			// Changes during the wait coalesce into this publication.
			if wait := p.s.opt.MinInterval - time.Since(last); wait > 0 && !timex.Sleep(ctx, wait) {
				return
			}
			p.publish(ctx, false)
			last = time.Now()
		case <-beat.C:
			if p.hasLocal() && time.Since(last) >= p.s.opt.MinInterval {
				p.publish(ctx, false)
				last = time.Now()
			}
		case <-prune.C:
			p.prune()
		}
	}
}

func (p *presence) hasLocal() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.local) > 0
}

// publish sends the local set. An empty set is sent only to withdraw a set sent before,
// or with hello.
func (p *presence) publish(ctx context.Context, hello bool) {
	p.mu.Lock()
	experts := slices.Collect(maps.Keys(p.local))
	if len(experts) == 0 && !p.told && !hello {
		p.mu.Unlock()
		return
	}
	p.told = len(experts) > 0
	p.mu.Unlock()
	slices.SortFunc(experts, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	p.send(ctx, presenceMessage{Instance: p.s.opt.InstanceID, Experts: experts, Hello: hello})
}

func (p *presence) send(ctx context.Context, m presenceMessage) {
	if m.Experts == nil {
		m.Experts = []uuid.UUID{}
	}
	payload, err := json.Marshal(m)
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := p.s.bus.Publish(ctx, PresenceTopic, payload); err != nil && ctx.Err() == nil {
		p.s.log.Warn("live: presence not published", "err", err)
	}
}

// receiveLoop keeps a subscription to the presence topic, subscribing again with backoff
// when it ends, and says hello on each new subscription.
func (p *presence) receiveLoop(ctx context.Context) {
	wait := p.s.opt.ResubscribeMin
	for ctx.Err() == nil {
		sub, err := p.s.bus.Subscribe(ctx, PresenceTopic)
		if err != nil {
			p.s.log.Warn("live: presence subscribe failed", "err", err, "retry_in", wait)
		} else {
			p.publish(ctx, true)
			began := time.Now()
			for m := range sub.C() {
				p.handle(m.Payload)
			}
			if ctx.Err() != nil {
				return
			}
			if time.Since(began) >= p.s.opt.ResubscribeMax {
				wait = p.s.opt.ResubscribeMin
			}
			p.s.log.Warn("live: presence subscription ended; subscribing again", "err", sub.Err(), "retry_in", wait)
		}
		if !timex.Sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, p.s.opt.ResubscribeMax)
	}
}

// handle records another instance's set.
func (p *presence) handle(payload []byte) {
	var m presenceMessage
	if json.Unmarshal(payload, &m) != nil || m.Instance == "" || m.Instance == p.s.opt.InstanceID {
		return
	}
	if m.Hello && p.hasLocal() {
		poke(p.wake) // the newcomer learns ours within MinInterval
	}
	set := make(map[uuid.UUID]struct{}, len(m.Experts))
	for _, id := range m.Experts {
		set[id] = struct{}{}
	}
	p.mu.Lock()
	old, had := p.remote[m.Instance]
	differs := !had || !maps.Equal(old.experts, set) || !time.Now().Before(old.expires)
	if len(set) == 0 {
		delete(p.remote, m.Instance)
		differs = had && len(old.experts) > 0
	} else {
		p.remote[m.Instance] = remoteSet{experts: set, expires: time.Now().Add(p.s.opt.PresenceExpiry)}
	}
	p.mu.Unlock()
	if differs {
		p.changed(false)
	}
}

// prune forgets the remote sets that expired.
func (p *presence) prune() {
	p.mu.Lock()
	now, expired := time.Now(), false
	for inst, r := range p.remote {
		if !now.Before(r.expires) {
			delete(p.remote, inst)
			expired = true
		}
	}
	p.mu.Unlock()
	if expired {
		p.changed(false)
	}
}

// farewell withdraws this instance's set at shutdown, after the loops stopped.
func (p *presence) farewell() {
	p.mu.Lock()
	tell := p.started && p.told
	p.told = false
	p.mu.Unlock()
	if tell {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		p.send(ctx, presenceMessage{Instance: p.s.opt.InstanceID, Experts: []uuid.UUID{}})
	}
}
