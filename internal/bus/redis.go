package bus

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/errs"
)

// opTimeout bounds one SUBSCRIBE/UNSUBSCRIBE round trip on the shared connection.
const opTimeout = 5 * time.Second

// redisBus shares events between processes through Redis pub/sub. Each bus holds one
// Redis PubSub connection; a Redis channel is subscribed while the topic has at least
// one local subscriber, and its messages fan out locally through the hub.
type redisBus struct {
	client *redis.Client
	log    *slog.Logger
	o      options
	hub    *hub

	// subMu serializes a topic's first-subscriber/last-subscriber transitions with the
	// Redis commands they cause, and connection replacement. The receive loop never
	// takes it: Subscribe waits for the loop while holding it.
	subMu sync.Mutex
	ps    atomic.Pointer[redis.PubSub]

	pendMu  sync.Mutex
	pending map[string][]chan struct{} // Redis channel -> Subscribe calls awaiting confirmation

	lastRecv atomic.Int64 // unix nanos of the last frame read from the connection
	lostAt   atomic.Int64 // lastRecv when the connection was last lost or replaced: where a gap begins
	down     atomic.Bool  // the receive loop is failing

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// NewRedis returns a bus over Redis pub/sub that connects every process using the same
// Redis server (and channel prefix). It reconnects with backoff after Redis restarts and
// resubscribes every topic in use by itself; messages published during the outage are
// lost, and each subscription's Gaps fires once its topic is subscribed again. Options: WithBuffer, WithChannelPrefix, WithHealthCheck, WithMetrics. The caller keeps
// ownership of client and closes it after the bus.
func NewRedis(client *redis.Client, log *slog.Logger, opts ...Option) Bus {
	ctx, cancel := context.WithCancel(context.Background())
	o := newOptions(opts)
	b := &redisBus{
		client: client, log: log, o: o, hub: newHub(o.metrics),
		pending: make(map[string][]chan struct{}),
		ctx:     ctx, cancel: cancel,
	}
	b.ps.Store(client.Subscribe(ctx))
	b.lastRecv.Store(time.Now().UnixNano())
	b.wg.Add(2)
	go b.receive()
	go b.watchdog()
	return b
}

func (b *redisBus) channel(topic string) string { return b.o.prefix + topic }

// Publish sends payload to every subscriber of topic in every process; see Bus. It
// fails with code UNAVAILABLE when Redis cannot be reached.
func (b *redisBus) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.hub.isClosed() {
		return ErrClosed
	}
	if err := b.client.Publish(ctx, b.channel(topic), payload).Err(); err != nil {
		return unavailable("bus.Publish", err)
	}
	b.hub.m.countPublished()
	return nil
}

// Subscribe registers a local subscriber of topic, subscribing the Redis channel when it
// is the topic's first one and waiting for Redis to confirm; see Bus. It fails with code
// UNAVAILABLE when Redis cannot be reached.
func (b *redisBus) Subscribe(ctx context.Context, topic string) (*Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s := newSubscription(topic, b.o.buffer, b.leave)
	b.subMu.Lock()
	first, err := b.hub.add(s)
	if err != nil {
		b.subMu.Unlock()
		return nil, err
	}
	if first {
		if err := b.subscribeRedis(ctx, b.channel(topic)); err != nil {
			b.hub.remove(s)
			b.unsubscribeRedis(b.channel(topic))
			b.subMu.Unlock()
			return nil, unavailable("bus.Subscribe", err)
		}
	}
	b.subMu.Unlock()
	s.watch(ctx)
	return s, nil
}

// leave unregisters s and unsubscribes the Redis channel after the topic's last one.
func (b *redisBus) leave(s *Subscription) {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	if b.hub.remove(s) && !b.hub.isClosed() {
		b.unsubscribeRedis(b.channel(s.topic))
	}
}

// subscribeRedis sends SUBSCRIBE and waits until the receive loop sees the confirmation,
// so that every message published after Subscribe returns is delivered.
func (b *redisBus) subscribeRedis(ctx context.Context, ch string) error {
	done := make(chan struct{})
	b.pendMu.Lock()
	b.pending[ch] = append(b.pending[ch], done)
	b.pendMu.Unlock()
	// Not the caller's ctx: a cancel in the middle of a write would break the shared
	// connection for everyone.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opTimeout)
	defer cancel()
	err := b.ps.Load().Subscribe(wctx, ch)
	if err == nil {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			err = context.Cause(ctx)
		case <-wctx.Done():
			err = wctx.Err()
		}
	}
	b.pendMu.Lock()
	b.pending[ch] = removeChan(b.pending[ch], done)
	if len(b.pending[ch]) == 0 {
		delete(b.pending, ch)
	}
	b.pendMu.Unlock()
	return err
}

// unsubscribeRedis forgets ch; go-redis drops it from its resubscribe set even when the
// command cannot be sent, so a failure here only leaves a channel to be ignored.
func (b *redisBus) unsubscribeRedis(ch string) {
	ctx, cancel := context.WithTimeout(b.ctx, opTimeout)
	defer cancel()
	if err := b.ps.Load().Unsubscribe(ctx, ch); err != nil {
		b.log.Debug("bus: redis unsubscribe failed", "channel", ch, "err", err)
	}
}

// confirm releases the Subscribe calls waiting for ch and reports whether there were any.
func (b *redisBus) confirm(ch string) bool {
	b.pendMu.Lock()
	defer b.pendMu.Unlock()
	waiting := b.pending[ch]
	for _, done := range waiting {
		close(done)
	}
	delete(b.pending, ch)
	return len(waiting) > 0
}

// Ping checks Redis with a PING and reports the subscription connection's state; both
// failures have code UNAVAILABLE.
func (b *redisBus) Ping(ctx context.Context) error {
	if b.hub.isClosed() {
		return ErrClosed
	}
	if err := b.client.Ping(ctx).Err(); err != nil {
		return unavailable("bus.Ping", err)
	}
	if b.down.Load() {
		e := errs.E(errs.Unavailable, "event bus reconnecting")
		e.Op = "bus.Ping"
		return e
	}
	return nil
}

// Close ends every subscription with ErrClosed, closes the PubSub connection and waits
// for the bus's goroutines. The client stays open.
func (b *redisBus) Close() error {
	if !b.hub.close() {
		return nil
	}
	b.cancel()
	b.subMu.Lock()
	_ = b.ps.Load().Close()
	b.subMu.Unlock()
	b.wg.Wait()
	return nil
}

func unavailable(op string, err error) error {
	e := errs.E(errs.Unavailable, "event bus unavailable")
	e.Op, e.Err = op, err
	return e
}

func removeChan(list []chan struct{}, c chan struct{}) []chan struct{} {
	for i, x := range list {
		if x == c {
			return append(list[:i], list[i+1:]...)
		}
	}
	return list
}
