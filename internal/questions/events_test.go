package questions_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/auditlog"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/internal/events"
)

// outboxEvents decodes every outbox event of topic about question id, oldest first.
func outboxEvents[T any](t *testing.T, e *env, id uuid.UUID, topic string) []T {
	t.Helper()
	msgs := e.db.Client.OutboxMessage.Query().Where(outboxmessage.Key(id.String()), outboxmessage.Topic(topic)).
		Order(outboxmessage.ByCreatedAt(), outboxmessage.ByID()).AllX(privacy.DecisionContext(context.Background(), privacy.Allow))
	out := make([]T, 0, len(msgs))
	for _, m := range msgs {
		var v T
		if err := json.Unmarshal(m.Payload, &v); err != nil {
			t.Fatalf("%s: %v", topic, err)
		}
		out = append(out, v)
	}
	return out
}

func TestEventsCarryWhatLiveSubscribersShow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.submit(t, cctx) // routed at the clock's time
	routedAt := e.clock.Now()
	e.clock.advance(time.Minute)
	if _, err := e.svc.Claim(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	claimedAt := e.clock.Now()
	e.clock.advance(time.Minute)
	if _, err := e.svc.ExtendLease(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	extendedAt := e.clock.Now()
	// An admin gives the claim to another expert: still CLAIMED.
	otherID, _ := e.expert(t)
	e.clock.advance(time.Minute)
	if _, err := e.svc.Reassign(e.admin, q.ID, &otherID); err != nil {
		t.Fatal(err)
	}

	avail := outboxEvents[events.TaskAvailable](t, e, q.ID, events.TopicTaskAvailable)
	if len(avail) != 1 {
		t.Fatalf("%d task.available events", len(avail))
	}
	if a := avail[0]; a.QuestionID != q.ID || a.Subject != q.Subject || a.Title != q.Title || a.Urgency != q.Urgency ||
		a.Price != q.Price || !a.Deadline.Equal(q.Deadline) || !a.At.Equal(routedAt) {
		t.Errorf("task.available %+v, question %+v routed at %v", a, q, routedAt)
	}
	taken := outboxEvents[events.TaskTaken](t, e, q.ID, events.TopicTaskTaken)
	if len(taken) != 1 || taken[0].Subject != q.Subject || taken[0].ExpertID == nil || *taken[0].ExpertID != expertID ||
		!taken[0].At.Equal(claimedAt) {
		t.Errorf("task.taken %+v, want by %s in %s at %v", taken, expertID, q.Subject, claimedAt)
	}
	updates := outboxEvents[events.QuestionUpdated](t, e, q.ID, events.TopicQuestionUpdated)
	// submitted, routed, claimed, lease extended, reassigned
	if len(updates) != 5 {
		t.Fatalf("%d question.updated events", len(updates))
	}
	last := updates[3]
	if last.ClientID != clientID || last.ExpertID == nil || *last.ExpertID != expertID || last.Status != "CLAIMED" ||
		!last.At.Equal(extendedAt) || !updates[2].At.Equal(claimedAt) {
		t.Errorf("question.updated %+v; want the claim at %v and the extension at %v", updates, claimedAt, extendedAt)
	}
	// The extension and the reassignment keep the status: its client is not told of them
	// (notify).
	for i, u := range updates {
		if u.StatusKept != (i >= 3) {
			t.Errorf("question.updated %d: statusKept %v", i, u.StatusKept)
		}
	}
	if n := e.db.Client.AuditLog.Query().Where(auditlog.Action("question.lease_extended"), auditlog.TargetID(q.ID.String())).
		CountX(privacy.DecisionContext(context.Background(), privacy.Allow)); n != 1 {
		t.Errorf("%d audit rows of the extension at %v, want 1", n, extendedAt)
	}
}
