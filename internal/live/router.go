package live

import (
	"context"
	"errors"
	"sync"
	"time"

	"backbone/internal/bus"
	"backbone/internal/errs"
	"backbone/internal/timex"
)

// router shares one bus subscription per topic among every listener of this process, for
// as long as any listener remains, and hands each message to the listeners it concerns.
type router[E any] struct {
	s      *Service
	topics []string
	// decode turns a message into its event and the key of the listeners it concerns;
	// false drops the message (malformed).
	decode func(bus.Message) (E, string, bool)
	// accept, when set, is asked (under the router's lock, so in delivery order) before
	// an event is handed out; false drops it as stale.
	accept func(E) bool
	// refresh, when set, makes the event handed to the listeners of key after a loss of
	// messages (a gap while Redis was away, or a subscription the bus dropped), so that
	// they read their state again; false hands nothing. Listeners of every event get the
	// zero event then, to the same end (overflow.go).
	refresh func(key string) (E, bool)
	// catchUp, when set, reads from the source of truth what happened to keys since a
	// gap began; its events, oldest first, are handed out like the bus's (accept
	// included).
	catchUp func(ctx context.Context, keys []string, since time.Time) ([]keyed[E], error)

	mu        sync.Mutex
	byKey     map[string]map[*mailbox[E]]struct{}
	all       map[*mailbox[E]]struct{}
	listeners int
	cancel    context.CancelFunc // of the running pump; nil while idle
	done      chan struct{}      // closed when the latest pump has let go of its subscriptions
	ready     chan struct{}      // closed once the running pump first subscribed
}

// keyed is an event and the key of the listeners it concerns.
type keyed[E any] struct {
	event E
	key   string
}

// listener is one subscriber of a router: the keys of the events it wants (every event
// when all is set) and its mailbox.
type listener[E any] struct {
	keys []string
	all  bool
	box  *mailbox[E]
}

func newRouter[E any](s *Service, decode func(bus.Message) (E, string, bool), topics ...string) *router[E] {
	return &router[E]{s: s, topics: topics, decode: decode,
		byKey: map[string]map[*mailbox[E]]struct{}{}, all: map[*mailbox[E]]struct{}{}}
}

// add registers l, starting the pump for the first listener. The channel it returns
// closes once the pump has subscribed.
func (r *router[E]) add(l *listener[E]) (<-chan struct{}, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cancel == nil && !r.start() {
		return nil, errs.E(errs.Unavailable, "the server is shutting down")
	}
	if l.all {
		r.all[l.box] = struct{}{}
	}
	for _, k := range l.keys {
		set := r.byKey[k]
		if set == nil {
			set = map[*mailbox[E]]struct{}{}
			r.byKey[k] = set
		}
		set[l.box] = struct{}{}
	}
	r.listeners++
	return r.ready, nil
}

// remove unregisters l; the last listener's leaving drops the bus subscriptions.
func (r *router[E]) remove(l *listener[E]) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.all, l.box)
	for _, k := range l.keys {
		if set := r.byKey[k]; set != nil {
			delete(set, l.box)
			if len(set) == 0 {
				delete(r.byKey, k)
			}
		}
	}
	r.listeners--
	if r.listeners == 0 && r.cancel != nil {
		r.cancel()
		r.cancel = nil
	}
	if n := l.box.drops(); n > 0 {
		r.s.log.Info("live: a subscriber fell behind; its oldest events were dropped", "topics", r.topics, "dropped", n)
	}
}

// start runs a new pump (r.mu held); false once the service closed. The pump waits for
// the previous one to let go of its subscriptions, so that the process never holds two
// subscriptions to a topic.
func (r *router[E]) start() bool {
	ctx, cancel := context.WithCancel(r.s.base)
	prev, done, ready := r.done, make(chan struct{}), make(chan struct{})
	if !r.s.goBackground(func() { r.run(ctx, prev, ready, done) }) {
		cancel()
		return false
	}
	r.cancel, r.done, r.ready = cancel, done, ready
	return true
}

// run subscribes to the topics and dispatches their messages until ctx ends. When a
// subscription ends (a slow consumer, a lost connection) it subscribes again after a
// backoff that doubles up to ResubscribeMax, and starts again from ResubscribeMin once
// a subscription has lasted that long; what was published meanwhile is lost, so it is
// then recovered as after a gap.
func (r *router[E]) run(ctx context.Context, prev <-chan struct{}, ready, done chan struct{}) {
	defer close(done)
	if !awaitPrevious(ctx, prev) {
		return
	}
	wait, subscribed := r.s.opt.ResubscribeMin, false
	var lost time.Time // when the last subscription ended; zero before the first
	for ctx.Err() == nil {
		subs, err := r.subscribe(ctx)
		if err != nil {
			r.s.log.Warn("live: subscribe failed", "topics", r.topics, "err", err, "retry_in", wait)
		} else {
			if !subscribed {
				close(ready)
				subscribed = true
			}
			if !lost.IsZero() {
				r.afterGap(ctx, lost) // subscribed first: nothing falls between
			}
			began := time.Now()
			err = r.pump(ctx, subs)
			if ctx.Err() != nil {
				return
			}
			lost = time.Now()
			if time.Since(began) >= r.s.opt.ResubscribeMax {
				wait = r.s.opt.ResubscribeMin
			}
			r.s.log.Warn("live: bus subscription ended; subscribing again", "topics", r.topics, "err", err, "retry_in", wait)
		}
		if !timex.Sleep(ctx, wait) {
			return
		}
		wait = min(2*wait, r.s.opt.ResubscribeMax)
	}
}

// awaitPrevious waits until the previous loop (prev, nil for none) has let go of what it
// held; false when ctx ended first.
func awaitPrevious(ctx context.Context, prev <-chan struct{}) bool {
	if prev == nil {
		return true
	}
	select {
	case <-prev:
		return true
	case <-ctx.Done():
		return false
	}
}

// subscribe opens one subscription per topic, or none.
func (r *router[E]) subscribe(ctx context.Context) ([]*bus.Subscription, error) {
	subs := make([]*bus.Subscription, 0, len(r.topics))
	for _, t := range r.topics {
		sub, err := r.s.bus.Subscribe(ctx, t)
		if err != nil {
			for _, s := range subs {
				s.Close()
			}
			return nil, err
		}
		subs = append(subs, sub)
	}
	return subs, nil
}

// pump dispatches the messages of subs until one of them ends or ctx ends, then closes
// them all; it returns why the first one ended.
func (r *router[E]) pump(ctx context.Context, subs []*bus.Subscription) error {
	ended := make(chan error, len(subs))
	var wg sync.WaitGroup
	for _, sub := range subs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for open := true; open; {
				select {
				case m, ok := <-sub.C():
					if open = ok; ok {
						r.dispatch(m)
					}
				case since := <-sub.Gaps():
					r.afterGap(ctx, since)
				}
			}
			err := sub.Err()
			if err == nil {
				err = errors.New("subscription closed")
			}
			ended <- err
		}()
	}
	var err error
	select {
	case err = <-ended:
	case <-ctx.Done():
	}
	for _, sub := range subs {
		sub.Close()
	}
	wg.Wait()
	return err
}

// dispatch hands one message to the listeners of its key and to those of every event.
func (r *router[E]) dispatch(m bus.Message) {
	e, key, ok := r.decode(m)
	if !ok {
		r.s.log.Warn("live: malformed event dropped", "topic", m.Topic)
		return
	}
	r.handOut(e, key)
}

// handOut gives e to the listeners of key and to those of every event, unless accept
// finds it stale.
func (r *router[E]) handOut(e E, key string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.accept != nil && !r.accept(e) {
		return
	}
	for box := range r.byKey[key] {
		box.put(e)
	}
	for box := range r.all {
		box.put(e)
	}
}

// catchUpTimeout bounds the read of what a gap may have lost.
const catchUpTimeout = 10 * time.Second

// afterGap runs when the bus may have lost messages since since: listeners are told to
// read their state again (refresh), and what the source of truth says happened
// meanwhile is handed out (catchUp).
func (r *router[E]) afterGap(ctx context.Context, since time.Time) {
	r.refreshAll()
	if r.catchUp == nil {
		return
	}
	r.mu.Lock()
	keys := make([]string, 0, len(r.byKey))
	for k := range r.byKey {
		keys = append(keys, k)
	}
	r.mu.Unlock()
	if len(keys) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	missed, err := r.catchUp(ctx, keys, since)
	if err != nil {
		r.s.log.Warn("live: could not read what the bus may have lost", "topics", r.topics, "since", since, "err", err)
		return
	}
	r.s.log.Info("live: read what the bus may have lost", "topics", r.topics, "since", since, "events", len(missed))
	for _, m := range missed {
		r.handOut(m.event, m.key)
	}
}

// refreshAll hands every keyed listener its refresh event after a gap, and the
// listeners of every event the zero event.
func (r *router[E]) refreshAll() {
	if r.refresh == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for key, set := range r.byKey {
		if e, ok := r.refresh(key); ok {
			for box := range set {
				box.put(e)
			}
		}
	}
	var wake E
	for box := range r.all {
		box.put(wake)
	}
}

// listen registers l with r, waits until r's bus subscription is live (so that nothing
// published after listen returns is missed), and streams l's events until ctx ends.
// Errors: UNAVAILABLE (the bus could not be subscribed within SubscribeWait, or the
// service is closing).
func listen[E any](ctx context.Context, r *router[E], l *listener[E]) (<-chan E, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	ready, err := r.add(l)
	if err != nil {
		return nil, err
	}
	t := time.NewTimer(r.s.opt.SubscribeWait)
	defer t.Stop()
	select {
	case <-ready:
	case <-ctx.Done():
		r.remove(l)
		return nil, ctx.Err()
	case <-t.C:
		r.remove(l)
		return nil, errs.E(errs.Unavailable, "live updates are unavailable right now; try again")
	}
	out := make(chan E)
	go func() {
		defer r.remove(l)
		deliver(ctx, l.box, out)
	}()
	return out, nil
}
