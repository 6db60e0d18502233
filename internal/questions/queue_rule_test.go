package questions_test

import (
	"context"
	"testing"

	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestQueueRuleIsTheSameForReadsListsAndClaims runs the queue rule (schema.QueuedFor,
// SQL over a JSON column) on both databases: a queued question is read by id, listed
// and claimed by the approved, active experts of its subject (in any case), and by no
// other expert, whatever the token says: an approved expert of another subject gets
// NOT_FOUND from claimTask and declineQuestion as from question(id:).
func TestQueueRuleIsTheSameForReadsListsAndClaims(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"postgres": testenv.NewPostgresDB, "sqlite": testenv.NewSQLiteURL} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnvAt(t, url(t))
			_, cctx := e.client(t, 100)
			q := e.submit(t, cctx)
			sys := privacy.DecisionContext(context.Background(), privacy.Allow)
			pendingID, pending := e.user(t, user.RoleEXPERT, []string{subject})
			e.db.Client.User.UpdateOneID(pendingID).SetExpertStatus(user.ExpertStatusPENDING).ExecX(sys)
			suspendedID, suspended := e.user(t, user.RoleEXPERT, []string{subject})
			e.db.Client.User.UpdateOneID(suspendedID).SetStatus(user.StatusSUSPENDED).ExecX(sys)
			_, elsewhere := e.user(t, user.RoleEXPERT, []string{"History", "Mathematic"})
			for who, ctx := range map[string]context.Context{"pending": pending, "suspended": suspended, "another subject": elsewhere} {
				if _, err := e.svc.Question(ctx, q.ID); errs.CodeOf(err) != errs.NotFound {
					t.Errorf("%s: Question = %v, want NOT_FOUND", who, err)
				}
				// The one who is an approved expert learns no more from claiming it than from
				// reading it; the others are refused as who they are.
				want := errs.Forbidden
				if who == "another subject" {
					want = errs.NotFound
				}
				if _, err := e.svc.Claim(ctx, q.ID); errs.CodeOf(err) != want {
					t.Errorf("%s: Claim = %v, want %s", who, err, want)
				}
				if _, err := e.svc.Decline(ctx, q.ID, "not mine"); errs.CodeOf(err) != want {
					t.Errorf("%s: Decline = %v, want %s", who, err, want)
				}
			}
			if tasks, err := e.svc.AvailableTasks(elsewhere); err != nil || tasks.CountX(elsewhere) != 0 {
				t.Errorf("another subject: AvailableTasks lists %v (%v)", tasks.CountX(elsewhere), err)
			}
			_, expert := e.user(t, user.RoleEXPERT, []string{"MATHEMATICS"})
			if _, err := e.svc.Question(expert, q.ID); err != nil {
				t.Fatalf("the expert of the subject: Question = %v", err)
			}
			if tasks, err := e.svc.AvailableTasks(expert); err != nil || tasks.CountX(expert) != 1 {
				t.Fatalf("the expert of the subject: AvailableTasks = %v", err)
			}
			if _, err := e.svc.Claim(expert, q.ID); err != nil {
				t.Fatalf("the expert of the subject: Claim = %v", err)
			}
		})
	}
}

// A question that left the queue tells an approved expert of another subject nothing
// either (NOT_FOUND, not CONFLICT with its status), while an expert of its subject, who
// saw it queued, learns it is no longer open.
func TestClaimTellsAnExpertOutsideItsSubjectNothingOfALaterStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submit(t, cctx)
	if _, err := e.svc.Cancel(cctx, q.ID); err != nil {
		t.Fatal(err)
	}
	_, elsewhere := e.user(t, user.RoleEXPERT, []string{"History"})
	_, err := e.svc.Claim(elsewhere, q.ID)
	wantCode(t, err, errs.NotFound)
	_, inSubject := e.user(t, user.RoleEXPERT, []string{subject})
	_, err = e.svc.Claim(inSubject, q.ID)
	wantConflict(t, err, question.StatusCANCELLED)
}
