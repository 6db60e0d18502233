package notify

import (
	"bytes"
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/notification"
	"backbone/internal/bus"
	"backbone/internal/errs"
)

// replayBatch bounds one database read of a catch-up.
const replayBatch = 100

// Stream delivers the viewer's notifications after the id after (uuid.Nil: after the
// newest one stored now, so only those made from now on) in id order, each once. The
// database is the source of truth; the bus only says when to read it again. The stream
// subscribes before its first read, then reads everything after the last id sent when it
// starts, when an id after that one is announced (which also brings along any whose
// announcement was lost), when the bus reports a gap (it lost its Redis connection and
// is subscribed again), and after the bus dropped the subscription (a slow client) and
// it subscribed again. The channel closes when ctx ends. (The overflow policies of every
// live feed are stated together in internal/live/overflow.go.) Errors: UNAUTHENTICATED,
// and INTERNAL when the database cannot be read.
func (s *Service) Stream(ctx context.Context, after uuid.UUID) (<-chan *ent.Notification, error) {
	uid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	sub, err := s.bus.Subscribe(ctx, UserTopic(uid))
	if err != nil {
		return nil, err
	}
	last := after
	if last == uuid.Nil {
		if last, err = s.newest(ctx, uid); err != nil {
			sub.Close()
			return nil, err
		}
	}
	out := make(chan *ent.Notification)
	go func() {
		defer close(out)
		for {
			var ok bool
			last, ok = s.pump(ctx, uid, sub, last, out)
			sub.Close()
			if !ok || ctx.Err() != nil {
				return
			}
			s.log.Info("notify: stream resubscribing", "user", uid, "err", sub.Err())
			if sub, err = s.bus.Subscribe(ctx, UserTopic(uid)); err != nil {
				if ctx.Err() == nil { // else the client closed the stream meanwhile
					s.log.Warn("notify: resubscribe failed", "user", uid, "err", err)
				}
				return
			}
		}
	}()
	return out, nil
}

// newest is the id of the user's newest notification, or uuid.Nil if there is none.
func (s *Service) newest(ctx context.Context, uid uuid.UUID) (uuid.UUID, error) {
	ids, err := s.client.Notification.Query().Where(notification.UserID(uid)).
		Order(ent.Desc(notification.FieldID)).Limit(1).IDs(ctx)
	if err != nil || len(ids) == 0 {
		return uuid.Nil, errs.Wrap("notify.Stream", err)
	}
	return ids[0], nil
}

// pump catches up from the database after last, then again on every announcement of a
// later id and every gap of sub, until sub ends. It returns the last id sent, and false
// when the stream must stop (ctx ended, a read failed).
func (s *Service) pump(ctx context.Context, uid uuid.UUID, sub *bus.Subscription, last uuid.UUID, out chan<- *ent.Notification) (uuid.UUID, bool) {
	if !s.catchUp(ctx, uid, &last, out) {
		return last, false
	}
	for {
		select {
		case <-ctx.Done():
			return last, false
		case <-sub.Gaps():
			s.log.Info("notify: bus may have missed announcements, reading the database", "user", uid)
		case m, open := <-sub.C():
			if !open {
				return last, true
			}
			id, err := uuid.ParseBytes(m.Payload)
			if err != nil || bytes.Compare(id[:], last[:]) <= 0 {
				continue // malformed, or already sent
			}
		}
		if !s.catchUp(ctx, uid, &last, out) {
			return last, false
		}
	}
}

// catchUp sends the user's notifications after *last in id order, advancing *last with
// each one sent: ids only go up, so nothing is sent twice. It reports false when the
// stream must stop.
func (s *Service) catchUp(ctx context.Context, uid uuid.UUID, last *uuid.UUID, out chan<- *ent.Notification) bool {
	for {
		page, err := s.client.Notification.Query().
			Where(notification.UserID(uid), notification.IDGT(*last)).
			Order(ent.Asc(notification.FieldID)).Limit(replayBatch).All(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("notify: catch-up read failed", "user", uid, "err", err)
			}
			return false
		}
		for _, n := range page {
			select {
			case out <- n:
				*last = n.ID
			case <-ctx.Done():
				return false
			}
		}
		if len(page) < replayBatch {
			return true
		}
	}
}
