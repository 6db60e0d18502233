package bus

import "context"

// memoryBus is the in-process bus of the embedded mode.
type memoryBus struct {
	hub *hub
	buf int
}

// NewMemory returns an in-process bus, for the embedded mode and single-instance
// deployments: publishers and subscribers must live in the same process. Of the
// options, only WithBuffer and WithMetrics apply.
func NewMemory(opts ...Option) Bus {
	o := newOptions(opts)
	return &memoryBus{hub: newHub(o.metrics), buf: o.buffer}
}

// Publish delivers payload to the topic's current subscribers; see Bus.
func (b *memoryBus) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.hub.isClosed() {
		return ErrClosed
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	b.hub.m.countPublished()
	b.hub.deliver(topic, payload)
	return nil
}

// Subscribe registers a subscriber of topic; see Bus.
func (b *memoryBus) Subscribe(ctx context.Context, topic string) (*Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := newSubscription(topic, b.buf, func(s *Subscription) { b.hub.remove(s) })
	if _, err := b.hub.add(s); err != nil {
		return nil, err
	}
	s.watch(ctx)
	return s, nil
}

// Ping is always nil: the memory bus has nothing that can fail.
func (b *memoryBus) Ping(context.Context) error { return nil }

// Close ends every subscription with ErrClosed.
func (b *memoryBus) Close() error {
	b.hub.close()
	return nil
}
