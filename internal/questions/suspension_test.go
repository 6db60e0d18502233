package questions_test

import (
	"context"
	"testing"

	"backbone/ent"
	"backbone/ent/assignment"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/events"
	"backbone/internal/questions"
)

// TestReleaseClaimsOfEndsThemAsALapsedLease: a suspended expert's claims end at once with
// what a lease expiry writes (the claim EXPIRED, the question back in the queue or, for a
// revision, DELIVERED; lease.expired and task.available); a delivered answer is left.
func TestReleaseClaimsOfEndsThemAsALapsedLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	claimed := e.claimed(t, cctx, xctx)
	revising := e.delivered(t, cctx, xctx)
	if _, err := e.svc.RequestRevision(cctx, revising.ID, "more"); err != nil {
		t.Fatal(err)
	}
	delivered := e.delivered(t, cctx, xctx)

	n, err := db.InTxValue(e.admin, e.db.Client, func(tx *ent.Client) (int, error) {
		return e.svc.ReleaseClaimsOf(e.admin, tx, expertID)
	})
	if err != nil || n != 2 {
		t.Fatalf("ReleaseClaimsOf = %d, %v; want 2", n, err)
	}
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	for _, c := range []struct {
		q     *ent.Question
		want  question.Status
		avail int
	}{{claimed, question.StatusAWAITING_EXPERT, 2}, {revising, question.StatusDELIVERED, 1}, {delivered, question.StatusDELIVERED, 1}} {
		if s := e.status(t, c.q.ID); s != c.want {
			t.Errorf("question %s: %s, want %s", c.q.ID, s, c.want)
		}
		if got := e.outbox(t, c.q.ID, questions.EventTaskAvailable); got != c.avail {
			t.Errorf("question %s: %d task.available, want %d", c.q.ID, got, c.avail)
		}
	}
	for _, q := range []*ent.Question{claimed, revising} {
		if got := e.outbox(t, q.ID, events.TopicLeaseExpired); got != 1 {
			t.Errorf("question %s: %d lease.expired, want 1", q.ID, got)
		}
		a := e.db.Client.Assignment.Query().Where(assignment.QuestionID(q.ID)).Order(ent.Desc(assignment.FieldClaimedAt)).FirstX(sys)
		if a.Outcome == nil || *a.Outcome != assignment.OutcomeEXPIRED || a.Reason == "" {
			t.Errorf("question %s: last claim %v (%q), want EXPIRED with a reason", q.ID, a.Outcome, a.Reason)
		}
		row := e.db.Client.AuditLog.Query().Where(auditlog.Action("question.claim_ended_by_suspension"), auditlog.TargetID(q.ID.String())).OnlyX(sys)
		if row.ActorID == nil || *row.ActorID != e.adminID {
			t.Errorf("question %s: audit actor %v, want the admin", q.ID, row.ActorID)
		}
	}
	if got := e.outbox(t, delivered.ID, events.TopicLeaseExpired); got != 0 {
		t.Errorf("delivered question: %d lease.expired, want 0", got)
	}
	if active := e.db.Client.Assignment.Query().Where(assignment.ExpertID(expertID), assignment.OutcomeIsNil()).CountX(sys); active != 0 {
		t.Errorf("%d claims still active", active)
	}
	// Nothing left to end: a second call changes nothing.
	n, err = db.InTxValue(e.admin, e.db.Client, func(tx *ent.Client) (int, error) {
		return e.svc.ReleaseClaimsOf(e.admin, tx, expertID)
	})
	if err != nil || n != 0 {
		t.Fatalf("ReleaseClaimsOf again = %d, %v; want 0", n, err)
	}
}
