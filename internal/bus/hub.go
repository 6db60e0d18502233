package bus

import (
	"sync"
	"time"
)

// hub is the local fan-out shared by both implementations: topic -> subscribers.
type hub struct {
	mu     sync.RWMutex
	topics map[string]map[*Subscription]struct{}
	closed bool
	m      *Metrics // nil: not counted
}

func newHub(m *Metrics) *hub { return &hub{topics: make(map[string]map[*Subscription]struct{}), m: m} }

// add registers s and reports whether it is its topic's first subscriber.
func (h *hub) add(s *Subscription) (first bool, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return false, ErrClosed
	}
	subs := h.topics[s.topic]
	if subs == nil {
		subs = make(map[*Subscription]struct{})
		h.topics[s.topic] = subs
	}
	subs[s] = struct{}{}
	return len(subs) == 1, nil
}

// remove unregisters s and reports whether its topic has no subscriber left.
func (h *hub) remove(s *Subscription) (last bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	subs, ok := h.topics[s.topic]
	if !ok {
		return false
	}
	if _, ok := subs[s]; !ok {
		return false
	}
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.topics, s.topic)
		return true
	}
	return false
}

// deliver offers the message to every subscriber of topic without blocking. Slow
// subscribers are detached in the background: detaching may unsubscribe in Redis, which
// must not wait on the goroutine that delivers (the Redis receive loop).
func (h *hub) deliver(topic string, payload []byte) {
	m := Message{Topic: topic, Payload: payload}
	var slow []*Subscription
	h.mu.RLock()
	if len(h.topics[topic]) > 0 { // as Redis, which brings only the subscribed topics
		h.m.countReceived()
	}
	for s := range h.topics[topic] {
		if !s.offer(m) {
			slow = append(slow, s)
		}
	}
	h.mu.RUnlock()
	for _, s := range slow {
		h.m.countDropped()
		go s.detach()
	}
}

// gap tells every subscriber of topic that messages published since since may have
// been lost.
func (h *hub) gap(topic string, since time.Time) {
	h.m.countGap()
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.topics[topic] {
		s.markGap(since)
	}
}

// names lists the topics that have subscribers.
func (h *hub) names() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.topics))
	for t := range h.topics {
		out = append(out, t)
	}
	return out
}

// close refuses new subscribers and ends the current ones with ErrClosed. It reports
// false if the hub was already closed.
func (h *hub) close() bool {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return false
	}
	h.closed = true
	var all []*Subscription
	for _, subs := range h.topics {
		for s := range subs {
			all = append(all, s)
		}
	}
	h.mu.Unlock()
	for _, s := range all {
		s.end(ErrClosed)
	}
	return true
}

func (h *hub) isClosed() bool {
	h.mu.RLock()
	defer h.mu.RUnlock()
	return h.closed
}
