package outbox

import "sync"

// wake tells this process's relays that a message was added. It is process-wide because
// Add gets only a transaction, not a relay.
var wake = &notifier{subs: map[chan struct{}]struct{}{}}

// notifier fans a signal out to its subscribers without blocking; a subscriber that has
// not taken the last signal yet misses nothing by not getting a second.
type notifier struct {
	mu   sync.Mutex
	subs map[chan struct{}]struct{}
}

func (n *notifier) subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	n.mu.Lock()
	n.subs[ch] = struct{}{}
	n.mu.Unlock()
	return ch, func() {
		n.mu.Lock()
		delete(n.subs, ch)
		n.mu.Unlock()
	}
}

func (n *notifier) notify() {
	n.mu.Lock()
	defer n.mu.Unlock()
	for ch := range n.subs {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}
