package main

import (
	"testing"

	"github.com/google/uuid"
)

// azNotifyRows are the authorization rows of the notification fields: every signed-in
// user has their own notifications, anonymous callers none.
func azNotifyRows() []azRow {
	// ownNotification gives the caller one notification and subscribes after a cursor
	// just before it, so that the replay emits it: the subscription row's trigger is the
	// row made here, which no live event can race with.
	ownNotification := func(t *testing.T, w *azWorld, c azCaller, req *azRequest) {
		before := uuid.Must(uuid.NewV7())
		if a := w.callers[c]; a != nil {
			w.db.Notification.Create().SetUserID(a.UUID).SetKind("QUESTION_UPDATED").
				SetDedupKey("authz:" + uuid.NewString()).SaveX(w.system())
		}
		req.vars = map[string]any{"after": nfCursor(t, before)}
	}
	return []azRow{
		{op: `{ notifications(first: 5) { totalCount } }`, want: azSignedIn()},
		{op: `{ unreadNotificationCount }`, want: azSignedIn()},
		{op: `mutation { markNotificationsRead(all: true) }`, want: azSignedIn()},
		{op: `{ notificationPreferences { kind email emailByDefault } }`, want: azSignedIn()},
		{op: `mutation { updateNotificationPreferences(input: {preferences: []}) { kind email } }`, want: azSignedIn()},
		{
			op:      `subscription($after: Cursor) { notificationAdded(after: $after) { id } }`,
			prepare: ownNotification,
			want:    azSignedIn(),
			trigger: func(t *testing.T, w *azWorld, req azRequest) {},
		},
	}
}
