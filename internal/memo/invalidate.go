package memo

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"backbone/internal/bus"
)

// message is an invalidation on the bus.
type message struct {
	Origin string   `json:"origin"`
	Tags   []string `json:"tags"`
}

// Invalidate drops every entry carrying one of tags: in this process at once, in the
// shared store, and in the other instances when the bus message reaches them. Call it
// after the change that outdates them has committed. An error (the shared store or the
// bus unreachable) means other instances may serve the old values until their TTL
// ends; this process never does.
//
// The shared tags rotate before the local versions move on: a Get in between would
// otherwise miss locally, find the old value under the old shared token and keep it
// under the new local version, where it would outlive the invalidation.
func (m *Memo) Invalidate(ctx context.Context, tags ...string) error {
	if len(tags) == 0 {
		return nil
	}
	err := m.rotateShared(ctx, tags)
	m.versions.bump(tags)
	payload, _ := json.Marshal(message{Origin: m.origin, Tags: tags}) // strings only: never fails
	return errors.Join(err, m.bus.Publish(ctx, m.topic(), payload))
}

// Follow drops the tags that tagsOf names for each message on topic, a topic whose
// messages already reach every instance (such as the lifecycle's question.updated), so
// that no invalidation message of its own is needed. Every instance drops its own copy
// and rotates the shared tags. It subscribes before it returns (retrying in the
// background if that fails) and stops with Close.
func (m *Memo) Follow(topic string, tagsOf func(payload []byte) []string) {
	m.follow(topic, func(payload []byte) {
		tags := tagsOf(payload)
		if len(tags) == 0 {
			return
		}
		if err := m.rotateShared(m.ctx, tags); err != nil {
			m.log.Warn("shared cache not invalidated; other instances may serve old values until their TTL", "tags", tags, "err", err)
		}
		m.versions.bump(tags)
	})
}

// received applies another instance's invalidation: the shared store is already done.
func (m *Memo) received(payload []byte) {
	var msg message
	if err := json.Unmarshal(payload, &msg); err != nil {
		m.log.Warn("unreadable invalidation; dropping every entry", "err", err)
		m.versions.bumpAll()
		return
	}
	if msg.Origin != m.origin {
		m.versions.bump(msg.Tags)
	}
}

// follow calls handle for each message on topic until Close. The first subscription is
// made before it returns; after a gap or a lost subscription every in-process entry is
// dropped, since what was missed is unknown.
func (m *Memo) follow(topic string, handle func([]byte)) {
	sub, err := m.bus.Subscribe(m.ctx, topic)
	if err != nil {
		m.log.Warn("not following invalidations yet; retrying", "topic", topic, "err", err)
	}
	m.wg.Go(func() {
		for m.ctx.Err() == nil {
			if sub == nil {
				select {
				case <-m.ctx.Done():
					return
				case <-time.After(time.Second):
				}
				if sub, err = m.bus.Subscribe(m.ctx, topic); err != nil {
					sub = nil
					continue
				}
				m.versions.bumpAll()
			}
			m.drain(sub, handle)
			sub.Close()
			sub = nil
		}
	})
}

// drain handles sub's messages until it ends, dropping every entry after a gap.
func (m *Memo) drain(sub *bus.Subscription, handle func([]byte)) {
	for {
		select {
		case msg, ok := <-sub.C():
			if !ok {
				m.versions.bumpAll()
				return
			}
			handle(msg.Payload)
		case <-sub.Gaps():
			m.versions.bumpAll()
		}
	}
}
