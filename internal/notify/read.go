package notify

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/notification"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// viewerID is the signed-in user, or UNAUTHENTICATED.
func viewerID(ctx context.Context) (uuid.UUID, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return uuid.Nil, err
	}
	return p.UserID, nil
}

// List returns the query of the viewer's notifications (only unread ones if unreadOnly),
// to paginate. Errors: UNAUTHENTICATED.
func (s *Service) List(ctx context.Context, unreadOnly bool) (*ent.NotificationQuery, error) {
	uid, err := viewerID(ctx)
	if err != nil {
		return nil, err
	}
	q := s.client.Notification.Query().Where(notification.UserID(uid))
	if unreadOnly {
		q = q.Where(notification.ReadAtIsNil())
	}
	return q, nil
}

// UnreadCount counts the viewer's unread notifications. Errors: UNAUTHENTICATED.
func (s *Service) UnreadCount(ctx context.Context) (int, error) {
	q, err := s.List(ctx, true)
	if err != nil {
		return 0, err
	}
	return q.Count(ctx)
}

// MarkRead marks the viewer's notifications ids (or all of them) read and returns how
// many changed; ids of other users' notifications change nothing. Errors:
// UNAUTHENTICATED, BAD_USER_INPUT (neither ids nor all).
func (s *Service) MarkRead(ctx context.Context, ids []uuid.UUID, all bool) (int, error) {
	uid, err := viewerID(ctx)
	if err != nil {
		return 0, err
	}
	if !all && len(ids) == 0 {
		return 0, errs.E(errs.BadUserInput, "give ids or all").With("field", "ids")
	}
	if len(ids) > 1000 {
		return 0, errs.E(errs.BadUserInput, "at most 1000 ids at once").With("field", "ids")
	}
	u := s.client.Notification.Update().Where(notification.UserID(uid), notification.ReadAtIsNil())
	if !all {
		u = u.Where(notification.IDIn(ids...))
	}
	return u.SetReadAt(timex.Now()).Save(db.System(ctx))
}
