package bus

import (
	"context"
	"sync"
	"time"
)

// Subscription is one subscriber's stream of messages on a topic. Receive from C until
// it is closed, then Err tells why. Gaps tells when messages may have been lost.
type Subscription struct {
	topic string
	ch    chan Message
	gaps  chan time.Time
	// leave unregisters the subscription from its bus; called once, without mu held.
	leave func(*Subscription)

	mu     sync.Mutex
	closed bool
	err    error
	stop   func() bool // stops the context watcher
}

func newSubscription(topic string, buffer int, leave func(*Subscription)) *Subscription {
	return &Subscription{topic: topic, ch: make(chan Message, buffer), gaps: make(chan time.Time, 1), leave: leave}
}

// watch ends the subscription when ctx ends. It is called after the subscription is
// registered, so that an early cancel still unregisters it.
func (s *Subscription) watch(ctx context.Context) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stop = context.AfterFunc(ctx, func() { s.end(context.Cause(ctx)) })
}

// Topic is the subscribed topic.
func (s *Subscription) Topic() string { return s.topic }

// C delivers the messages in publishing order (per publisher); it is closed when the
// subscription ends.
func (s *Subscription) C() <-chan Message { return s.ch }

// Gaps receives a value after the bus may have lost messages of the topic without
// ending the subscription: the Redis bus lost its connection (or replaced it) and has
// just subscribed the topic again, so messages published after the value was sent are
// delivered as usual. The value is when the loss may have begun: the last time the
// connection was known to deliver. Losses not yet received are merged into the pending
// value (the earliest time wins). A consumer that must not miss anything reads its
// source of truth again when it fires. The memory bus loses nothing: its Gaps never
// fires. Gaps is never closed.
func (s *Subscription) Gaps() <-chan time.Time { return s.gaps }

// markGap records a possible loss since since for Gaps without blocking.
func (s *Subscription) markGap(since time.Time) {
	s.mu.Lock() // the only sender: the drain and the send below cannot interleave with another
	defer s.mu.Unlock()
	select {
	case pending := <-s.gaps: // one pending value stands for every loss before it is received
		if pending.Before(since) {
			since = pending
		}
	default:
	}
	s.gaps <- since
}

// Err is why the subscription ended: nil while it runs or after Close, ErrSlowConsumer,
// ErrClosed when the bus closed, or the cause of the Subscribe context.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Close ends the subscription; C is closed and Err stays nil. It is idempotent.
func (s *Subscription) Close() { s.end(nil) }

// offer hands m to the subscriber without blocking. If the buffer is full it closes
// the subscription with ErrSlowConsumer and reports false; the caller then detaches it.
func (s *Subscription) offer(m Message) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return true
	}
	select {
	case s.ch <- m:
		return true
	default:
		s.closeLocked(ErrSlowConsumer)
		return false
	}
}

// end closes the subscription with reason, once, and detaches it.
func (s *Subscription) end(reason error) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closeLocked(reason)
	s.mu.Unlock()
	s.detach()
}

func (s *Subscription) closeLocked(reason error) {
	s.closed, s.err = true, reason
	close(s.ch)
}

// detach stops the context watcher and unregisters the closed subscription.
func (s *Subscription) detach() {
	s.mu.Lock()
	stop := s.stop
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	s.leave(s)
}
