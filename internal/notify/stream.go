package notify

import (
	"bytes"
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/notification"
	"backbone/internal/bus"
)

// replayBatch bounds one database read of a replay.
const replayBatch = 100

// Stream delivers the viewer's notifications after the id after (uuid.Nil: only those
// made from now on) in id order: first those in the database, then live ones, each once.
// It subscribes to the bus before reading the database, and skips live ids at or before
// the last one sent, so nothing falls between the two. When the bus drops the
// subscription (a slow client), it subscribes and replays again from the last id sent.
// The channel closes when ctx ends. Errors: UNAUTHENTICATED.
func (s *Service) Stream(ctx context.Context, after uuid.UUID) (<-chan *ent.Notification, error) {
	uid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := s.bus.Subscribe(ctx, UserTopic(uid))
	if err != nil {
		return nil, err
	}
	out := make(chan *ent.Notification)
	go func() {
		defer close(out)
		last := after
		for {
			var ok bool
			last, ok = s.pump(ctx, uid, sub, last, out)
			sub.Close()
			if !ok || ctx.Err() != nil {
				return
			}
			s.log.Info("notify: stream resubscribing", "user", uid, "err", sub.Err())
			if sub, err = s.bus.Subscribe(ctx, UserTopic(uid)); err != nil {
				s.log.Warn("notify: resubscribe failed", "user", uid, "err", err)
				return
			}
		}
	}()
	return out, nil
}

// pump replays from the database after last (unless last is Nil: nothing to resume
// from), then forwards sub until it ends. It returns the last id sent, and false when
// the stream must stop (ctx ended, a read failed).
func (s *Service) pump(ctx context.Context, uid uuid.UUID, sub *bus.Subscription, last uuid.UUID, out chan<- *ent.Notification) (uuid.UUID, bool) {
	send := func(n *ent.Notification) bool {
		select {
		case out <- n:
			last = n.ID
			return true
		case <-ctx.Done():
			return false
		}
	}
	for last != uuid.Nil {
		page, err := s.client.Notification.Query().
			Where(notification.UserID(uid), notification.IDGT(last)).
			Order(ent.Asc(notification.FieldID)).Limit(replayBatch).All(ctx)
		if err != nil {
			s.log.Warn("notify: replay failed", "user", uid, "err", err)
			return last, false
		}
		for _, n := range page {
			if !send(n) {
				return last, false
			}
		}
		if len(page) < replayBatch {
			break
		}
	}
	for {
		select {
		case <-ctx.Done():
			return last, false
		case m, open := <-sub.C():
			if !open {
				return last, true
			}
			id, err := uuid.ParseBytes(m.Payload)
			if err != nil || (last != uuid.Nil && bytes.Compare(id[:], last[:]) <= 0) {
				continue // malformed, or already replayed
			}
			n, err := s.client.Notification.Query().Where(notification.ID(id), notification.UserID(uid)).Only(ctx)
			if ent.IsNotFound(err) {
				continue
			}
			if err != nil {
				s.log.Warn("notify: live read failed", "user", uid, "err", err)
				return last, false
			}
			if !send(n) {
				return last, false
			}
		}
	}
}
