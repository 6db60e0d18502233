package questions_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/assignment"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/dbtest"
)

// TestReassignLosesToAClaimMadeMeanwhile holds the question's row while an admin
// reassigns it, so that the admin's read sees it as it was and their UPDATE waits; an
// expert's claim is then committed under the lock. The reassignment was decided on the
// question as read: it must not take the question from the expert who claimed it since
// (CONFLICT; still theirs, their claim open, nothing reassigned).
func TestReassignLosesToAClaimMadeMeanwhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, firstCtx := e.expert(t)
	claimerID, _ := e.expert(t)
	givenID, _ := e.expert(t)
	for _, tc := range []struct {
		name string
		// claimedBy is the expert who holds the question when the admin reads it (nil:
		// queued); expertID is whom the admin gives it to (nil: back to the queue).
		claimedBy context.Context
		expertID  *uuid.UUID
		// meanwhile is what the other experts commit meanwhile, before the claim by claimerID.
		meanwhile string
	}{{
		name:     "given to an expert, decided on a queued question",
		expertID: &givenID,
	}, {
		name:      "put back in the queue, decided on another expert's claim",
		claimedBy: firstCtx,
		// The first expert released it (what releaseTask writes), then claimerID claimed it.
		meanwhile: "UPDATE assignments SET outcome = 'RELEASED', ended_at = now(), updated_at = now() WHERE question_id = $1 AND outcome IS NULL",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			q := e.submit(t, cctx)
			if tc.claimedBy != nil {
				if _, err := e.svc.Claim(tc.claimedBy, q.ID); err != nil {
					t.Fatal(err)
				}
			}
			ctx := context.Background()
			lock, err := e.db.SQL.BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = lock.Rollback() }()
			if _, err := lock.ExecContext(ctx, "SELECT id FROM questions WHERE id = $1 FOR UPDATE", q.ID); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { _, err := e.svc.Reassign(e.admin, q.ID, tc.expertID); done <- err }()
			dbtest.WaitForLockWaiters(t, e.db.SQL, 1, done)
			if tc.meanwhile != "" {
				if _, err := lock.ExecContext(ctx, tc.meanwhile, q.ID); err != nil {
					t.Fatal(err)
				}
			}
			// What a claim by claimerID writes, committed meanwhile.
			if _, err := lock.ExecContext(ctx, "UPDATE questions SET status = 'CLAIMED', expert_id = $1, updated_at = now() WHERE id = $2",
				claimerID, q.ID); err != nil {
				t.Fatal(err)
			}
			claim := uuid.New()
			if _, err := lock.ExecContext(ctx, `INSERT INTO assignments (id, created_at, updated_at, expert_id, claimed_at, lease_expires_at, question_id)
				VALUES ($1, now(), now(), $2, now(), now() + interval '1 hour', $3)`, claim, claimerID, q.ID); err != nil {
				t.Fatal(err)
			}
			if err := lock.Commit(); err != nil {
				t.Fatal(err)
			}
			wantConflict(t, <-done, question.StatusCLAIMED)

			sys := privacy.DecisionContext(context.Background(), privacy.Allow)
			got := e.db.Client.Question.GetX(sys, q.ID)
			if got.Status != question.StatusCLAIMED || got.ExpertID == nil || *got.ExpertID != claimerID {
				t.Fatalf("question %s held by %v, want CLAIMED by the expert who claimed it", got.Status, got.ExpertID)
			}
			if a := e.db.Client.Assignment.GetX(sys, claim); a.Outcome != nil {
				t.Fatalf("the claim made meanwhile ended: %s", *a.Outcome)
			}
			if n := e.db.Client.Assignment.Query().Where(assignment.QuestionID(q.ID), assignment.OutcomeEQ(assignment.OutcomeREASSIGNED)).CountX(sys); n != 0 {
				t.Fatalf("%d assignments ended REASSIGNED, want 0", n)
			}
			if n := e.db.Client.AuditLog.Query().Where(auditlog.Action("question.reassigned"), auditlog.TargetID(q.ID.String())).CountX(sys); n != 0 {
				t.Fatalf("%d question.reassigned audit rows, want 0", n)
			}
		})
	}
}
