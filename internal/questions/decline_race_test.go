package questions_test

import (
	"context"
	"testing"

	"backbone/ent/question"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
)

// TestDeclineOfAQueuedQuestionLosesToAClaimMadeMeanwhile holds the question's row while an
// expert declines it from the queue, so that their read sees it waiting and their UPDATE
// waits; another expert's claim is then committed under the lock. The decline was decided
// on a waiting question: it must not close the other expert's claim (CONFLICT, still
// CLAIMED, nothing refunded).
func TestDeclineOfAQueuedQuestionLosesToAClaimMadeMeanwhile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, xctx := e.expert(t)
	otherID, _ := e.expert(t)
	clientID, cctx := e.client(t, 50)
	q := e.submit(t, cctx)
	before := e.money(t, clientID, otherID)

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
	go func() { _, err := e.svc.Decline(xctx, q.ID, "out of scope"); done <- err }()
	// Wait until the decline's UPDATE waits for the row (its read does not).
	dbtest.WaitForLockWaiters(t, e.db.SQL, 1, done)
	// What a claim by the other expert writes to the question, committed meanwhile.
	if _, err := lock.ExecContext(ctx, "UPDATE questions SET status = 'CLAIMED', expert_id = $1 WHERE id = $2", otherID, q.ID); err != nil {
		t.Fatal(err)
	}
	if err := lock.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("decline after the claim: %v, want CONFLICT", err)
	}
	if s := e.status(t, q.ID); s != question.StatusCLAIMED {
		t.Fatalf("status %s, want CLAIMED", s)
	}
	if after := e.money(t, clientID, otherID); after != before {
		t.Fatalf("money %+v, want %+v as before", after, before)
	}
}
