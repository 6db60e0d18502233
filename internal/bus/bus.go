// Package bus is Backbone's publish/subscribe bus for realtime events, with an in-process
// implementation and a Redis one that shares events between server instances.
package bus

import (
	"context"
	"errors"
	"time"
)

// Bus delivers payloads published on a topic to every current subscriber of that topic,
// in this process and, for the Redis bus, in every process sharing the Redis server.
// Delivery is at most once: a message published while no one listens, while Redis is
// unreachable, or to a subscriber that has been dropped is lost. A subscription that
// stays open across such a loss is told through its Gaps channel. Consumers that must
// not miss anything (notificationAdded) replay from the database when they start and
// after every gap, and use the bus for what comes after; how each live feed recovers is
// in internal/live/overflow.go. All methods are safe for concurrent use.
type Bus interface {
	// Publish sends payload to the topic's subscribers. It does not wait for them: a
	// subscriber whose buffer is full is dropped with ErrSlowConsumer. The bus may keep
	// payload; the caller must not modify it afterwards.
	Publish(ctx context.Context, topic string, payload []byte) error
	// Subscribe starts delivery of topic's messages on the returned Subscription until
	// the subscription is closed, ctx ends, the subscriber is too slow or the bus closes.
	// When Subscribe returns, messages published from then on are delivered.
	Subscribe(ctx context.Context, topic string) (*Subscription, error)
	// Ping reports whether the bus can deliver: always nil in memory; for Redis, a PING
	// and the state of the subscription connection.
	Ping(ctx context.Context) error
	// Close ends every subscription with ErrClosed; Publish and Subscribe then fail with
	// ErrClosed. Closing twice is harmless. A Redis bus does not close its client.
	Close() error
}

// Message is one delivered payload. Payload is shared between subscribers: read it, do
// not modify it.
type Message struct {
	Topic   string
	Payload []byte
}

var (
	// ErrSlowConsumer ends a subscription whose buffer was full when a message came.
	ErrSlowConsumer = errors.New("bus: subscriber too slow, dropped")
	// ErrClosed is returned by a closed bus and ends its subscriptions.
	ErrClosed = errors.New("bus: closed")
)

// DefaultBuffer is the per-subscriber buffer of messages not yet received.
const DefaultBuffer = 64

// Option configures a bus.
type Option func(*options)

type options struct {
	buffer      int
	prefix      string
	healthEvery time.Duration
	metrics     *Metrics
}

func newOptions(opts []Option) options {
	o := options{buffer: DefaultBuffer, prefix: "bus:", healthEvery: 10 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if o.buffer < 1 {
		o.buffer = 1
	}
	return o
}

// WithBuffer sets the per-subscriber buffer (default DefaultBuffer). A subscriber that
// falls this many messages behind is dropped.
func WithBuffer(n int) Option { return func(o *options) { o.buffer = n } }

// WithChannelPrefix sets the prefix of Redis channel names (default "bus:"), so that
// several deployments can share one Redis. Ignored by the memory bus.
func WithChannelPrefix(p string) Option { return func(o *options) { o.prefix = p } }

// WithHealthCheck sets how often the Redis bus pings its subscription connection when it
// is idle (default 10 s); a ping left unanswered for a whole interval makes the bus
// replace the connection. Ignored by the memory bus.
func WithHealthCheck(d time.Duration) Option { return func(o *options) { o.healthEvery = d } }
