package live

import (
	"context"
	"sync"
)

// mailbox holds one listener's events until its stream takes them, at most size of
// them: when full, the oldest is dropped. Putting never blocks, so one slow subscriber
// never holds up a router or the others. With size 1 only the latest event is kept: the
// events coalesce.
type mailbox[E any] struct {
	mu      sync.Mutex
	items   []E
	size    int
	dropped int
	signal  chan struct{} // holds one token while items is not empty
}

func newMailbox[E any](size int) *mailbox[E] {
	return &mailbox[E]{size: size, signal: make(chan struct{}, 1)}
}

// put adds e, dropping the oldest event when the mailbox is full.
func (m *mailbox[E]) put(e E) {
	m.mu.Lock()
	if len(m.items) >= m.size {
		var zero E
		m.items[0] = zero
		m.items = m.items[1:]
		m.dropped++
	}
	m.items = append(m.items, e)
	m.mu.Unlock()
	select {
	case m.signal <- struct{}{}:
	default:
	}
}

// take removes and returns every event held, oldest first.
func (m *mailbox[E]) take() []E {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := m.items
	m.items = nil
	return out
}

// drops returns how many events were dropped so far.
func (m *mailbox[E]) drops() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dropped
}

// pop removes and returns the oldest event held, if any.
func (m *mailbox[E]) pop() (E, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var zero E
	if len(m.items) == 0 {
		return zero, false
	}
	e := m.items[0]
	m.items[0] = zero
	m.items = m.items[1:]
	return e, true
}

// deliver copies the mailbox's events to out, in order, until ctx ends; then it closes
// out. It is the goroutine between a router and one subscriber: one event at a time, so
// a subscriber is never more than size events (and the one being sent) behind.
func deliver[E any](ctx context.Context, m *mailbox[E], out chan<- E) {
	defer close(out)
	for {
		e, ok := m.pop()
		if !ok {
			select {
			case <-ctx.Done():
				return
			case <-m.signal:
			}
			continue
		}
		select {
		case out <- e:
		case <-ctx.Done():
			return
		}
	}
}
