package graph

import (
	"entgo.io/contrib/entgql"
	"github.com/google/uuid"

	"backbone/ent"
)

// newestNotificationsFirst orders notifications by creation time (then id), newest first.
var newestNotificationsFirst = ent.WithNotificationOrder(&ent.NotificationOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.NotificationOrderFieldCreatedAt,
})

// notificationIDs parses the global ids of notifications.
func notificationIDs(gids []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(gids))
	for _, gid := range gids {
		id, err := idOf("Notification", gid)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// cursorID is the id a cursor names, or uuid.Nil for none.
func cursorID(c *entgql.Cursor[uuid.UUID]) uuid.UUID {
	if c == nil {
		return uuid.Nil
	}
	return c.ID
}
