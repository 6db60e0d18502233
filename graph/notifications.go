package graph

import (
	"context"

	"entgo.io/contrib/entgql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/graph/model"
	"backbone/internal/notify"
)

// newestNotificationsFirst orders notifications by creation time (then id), newest first.
var newestNotificationsFirst = ent.WithNotificationOrder(&ent.NotificationOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.NotificationOrderFieldCreatedAt,
})

// notificationIDs parses the global ids of notifications.
func notificationIDs(gids []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(gids))
	for _, gid := range gids {
		id, err := idOf("ids", "Notification", gid)
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

// notificationPayload is a notification's payload with the ids it names (questionId,
// payoutId) as the API's global ids, so that question(id:) and node(id:) take them.
func notificationPayload(n *ent.Notification) map[string]any {
	if n.Payload == nil {
		return nil
	}
	out := make(map[string]any, len(n.Payload))
	for k, v := range n.Payload {
		out[k] = v
	}
	for field, typ := range notificationRefs {
		if id, ok := payloadID(n, field); ok {
			out[field] = GlobalID(typ, id)
		}
	}
	return out
}

// notificationRefs are the payload fields that name a node, and the node's type.
var notificationRefs = map[string]string{"questionId": "Question", "payoutId": "Payout", "purchaseId": "CreditPurchase", "userId": "User", "expertId": "User"}

// payloadID reads the stored (raw) id of field in n's payload.
func payloadID(n *ent.Notification, field string) (uuid.UUID, bool) {
	s, _ := n.Payload[field].(string)
	id, err := uuid.Parse(s)
	return id, err == nil && id != uuid.Nil
}

// notificationQuestion is the question n is about, if the viewer may see it.
func (r *Resolver) notificationQuestion(ctx context.Context, n *ent.Notification) (*ent.Question, error) {
	id, ok := payloadID(n, "questionId")
	if !ok {
		return nil, nil
	}
	return hiddenIsNull(r.loaders(ctx).visibleQuestions.Load(ctx, id))
}

// notificationPayout is the payout n is about, if the viewer may see it.
func (r *Resolver) notificationPayout(ctx context.Context, n *ent.Notification) (*ent.Payout, error) {
	id, ok := payloadID(n, "payoutId")
	if !ok {
		return nil, nil
	}
	return hiddenIsNull(r.loaders(ctx).visiblePayouts.Load(ctx, id))
}

// notificationPreferences converts the notify service's preferences.
func notificationPreferences(prefs []notify.Preference) []*model.NotificationPreference {
	out := make([]*model.NotificationPreference, len(prefs))
	for i, p := range prefs {
		out[i] = &model.NotificationPreference{Kind: model.NotificationKind(p.Kind), Email: p.Email, EmailByDefault: p.EmailByDefault}
	}
	return out
}

// preferenceChanges converts the updateNotificationPreferences input.
func preferenceChanges(in model.UpdateNotificationPreferencesInput) []notify.PreferenceChange {
	out := make([]notify.PreferenceChange, 0, len(in.Preferences))
	for _, p := range in.Preferences {
		if p != nil {
			out = append(out, notify.PreferenceChange{Kind: string(p.Kind), Email: p.Email})
		}
	}
	return out
}
