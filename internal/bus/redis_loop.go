package bus

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/redis/go-redis/v9"

	"backbone/internal/timex"
)

// receive reads the PubSub connection and fans messages out. On a read error go-redis
// drops the connection and redials with every channel it holds; when that fails too the
// loop retries with exponential backoff and jitter until Redis is back.
func (b *redisBus) receive() {
	defer b.wg.Done()
	bo := backoff.NewExponentialBackOff()
	bo.InitialInterval, bo.MaxInterval = 100*time.Millisecond, 5*time.Second
	failures := 0
	for {
		ps := b.ps.Load()
		msg, err := ps.Receive(b.ctx)
		if b.ctx.Err() != nil {
			return
		}
		if err != nil {
			if b.ps.Load() != ps {
				continue // replaced by the watchdog
			}
			failures++
			if failures == 1 {
				b.lostAt.Store(b.lastRecv.Load())
				b.down.Store(true)
				b.log.Warn("bus: redis subscription connection lost, reconnecting", "err", err)
			} else if !timex.Sleep(b.ctx, bo.NextBackOff()) {
				return
			}
			continue
		}
		b.lastRecv.Store(time.Now().UnixNano())
		if failures > 0 {
			b.log.Info("bus: redis subscription connection restored",
				"failures", failures, "topics", len(b.hub.names()))
			failures = 0
			bo.Reset()
			b.down.Store(false)
		}
		switch m := msg.(type) {
		case *redis.Message:
			b.hub.deliver(strings.TrimPrefix(m.Channel, b.o.prefix), []byte(m.Payload))
		case *redis.Subscription:
			// A confirmation no Subscribe call waits for comes from subscribing again on
			// a new connection (go-redis after a failure, or replace): what was published
			// on the channel since the old connection broke is lost, and what comes from
			// now on is delivered.
			if m.Kind == "subscribe" && !b.confirm(m.Channel) {
				b.hub.gap(strings.TrimPrefix(m.Channel, b.o.prefix), time.Unix(0, b.lostAt.Load()))
			}
		}
	}
}

// watchdog pings an idle connection. A ping that stays unanswered for a whole interval
// means a half-open connection that reads would never notice, so the connection is
// replaced with a new one subscribed to every topic in use.
func (b *redisBus) watchdog() {
	defer b.wg.Done()
	t := time.NewTicker(b.o.healthEvery)
	defer t.Stop()
	var pingedAt time.Time
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-t.C:
		}
		last := time.Unix(0, b.lastRecv.Load())
		if time.Since(last) < b.o.healthEvery {
			pingedAt = time.Time{}
			continue
		}
		if !pingedAt.IsZero() && last.Before(pingedAt) {
			b.log.Warn("bus: redis subscription connection unresponsive, replacing it",
				"silent_for", time.Since(last).Round(time.Second))
			b.replace()
			pingedAt = time.Time{}
			continue
		}
		ctx, cancel := context.WithTimeout(b.ctx, b.o.healthEvery)
		err := b.ps.Load().Ping(ctx)
		cancel()
		pingedAt = time.Time{}
		if err == nil {
			pingedAt = time.Now()
		}
	}
}

// replace swaps in a new PubSub holding every topic in use and closes the old one,
// which wakes the receive loop.
func (b *redisBus) replace() {
	b.subMu.Lock()
	defer b.subMu.Unlock()
	if b.hub.isClosed() {
		return
	}
	b.lostAt.Store(b.lastRecv.Load())
	topics := b.hub.names()
	chans := make([]string, len(topics))
	for i, t := range topics {
		chans[i] = b.channel(t)
	}
	ctx, cancel := context.WithTimeout(b.ctx, opTimeout)
	defer cancel()
	// Client.Subscribe records the channels even when it cannot connect; the receive
	// loop then connects and subscribes them.
	old := b.ps.Swap(b.client.Subscribe(ctx, chans...))
	if err := old.Close(); err != nil && !errors.Is(err, redis.ErrClosed) {
		b.log.Debug("bus: close replaced pubsub", "err", err)
	}
}
