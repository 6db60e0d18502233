package questions_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/questions"
	"backbone/internal/settings"
)

// TestARevisionWaitsInRevisionRequested: a requested revision is REVISION_REQUESTED, held
// by its expert under the revision's claim, until they deliver it, give it back or
// decline, or an admin reassigns it; the client can do nothing else with it meanwhile,
// and neither the auto-accept nor the deadline sweep touches it.
func TestARevisionWaitsInRevisionRequested(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	_, otherExpert := e.expert(t)
	revise := func(t *testing.T, id uuid.UUID) {
		t.Helper()
		got, err := e.svc.RequestRevision(cctx, id, "more detail")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != question.StatusREVISION_REQUESTED || got.AutoAcceptAt != nil || *got.ExpertID != expertID {
			t.Fatalf("after the request: %s, auto-accept %v, expert %v", got.Status, got.AutoAcceptAt, got.ExpertID)
		}
	}

	t.Run("the client can do nothing else meanwhile", func(t *testing.T) {
		q := e.delivered(t, cctx, xctx)
		revise(t, q.ID)
		refused := map[string]func() error{
			"accept":           func() error { _, err := e.svc.Accept(cctx, q.ID, 5, ""); return err },
			"dispute":          func() error { _, err := e.svc.OpenDispute(cctx, q.ID, "no"); return err },
			"revise again":     func() error { _, err := e.svc.RequestRevision(cctx, q.ID, ""); return err },
			"cancel":           func() error { _, err := e.svc.Cancel(cctx, q.ID); return err },
			"claim by another": func() error { _, err := e.svc.Claim(otherExpert, q.ID); return err },
		}
		for name, call := range refused {
			t.Run(name, func(t *testing.T) { wantConflict(t, call(), question.StatusREVISION_REQUESTED) })
		}
		// The expert delivers straight from REVISION_REQUESTED, under the revision's claim.
		got, err := e.svc.SubmitAnswer(xctx, q.ID, "x^2/2 + C, for any constant C", nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != question.StatusDELIVERED || got.RevisionCount != 1 || got.AutoAcceptAt == nil {
			t.Fatalf("after the revised answer: %s, count %d, auto-accept %v", got.Status, got.RevisionCount, got.AutoAcceptAt)
		}
	})

	t.Run("released, it is delivered again with the last answer", func(t *testing.T) {
		q := e.delivered(t, cctx, xctx)
		revise(t, q.ID)
		got, err := e.svc.ReleaseTask(xctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != question.StatusDELIVERED || got.AutoAcceptAt == nil || *got.ExpertID != expertID {
			t.Fatalf("after release: %s, auto-accept %v, expert %v", got.Status, got.AutoAcceptAt, got.ExpertID)
		}
		revise(t, q.ID) // the second of the two revisions allowed
		if _, err := e.svc.SubmitAnswer(xctx, q.ID, "x^2/2 + C, and why", nil); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("declined, it is refunded", func(t *testing.T) {
		q := e.delivered(t, cctx, xctx)
		revise(t, q.ID)
		before := e.money(t, clientID, expertID)
		got, err := e.svc.Decline(xctx, q.ID, "I cannot improve on it.")
		if err != nil {
			t.Fatal(err)
		}
		after := e.money(t, clientID, expertID)
		if got.Status != question.StatusDECLINED || after.balance != before.balance+20 || after.held != before.held-20 {
			t.Fatalf("after decline: %s, money %+v -> %+v", got.Status, before, after)
		}
	})

	t.Run("one reassigned before revisions stayed with their expert keeps its answer", func(t *testing.T) {
		// Such a revision was moved to CLAIMED with its answer; given back, it is DELIVERED
		// again rather than queued, where it could expire and be refunded.
		q := e.delivered(t, cctx, xctx)
		revise(t, q.ID)
		sys := privacy.DecisionContext(context.Background(), privacy.Allow)
		e.db.Client.Question.UpdateOneID(q.ID).SetStatus(question.StatusCLAIMED).ExecX(sys)
		got, err := e.svc.ReleaseTask(xctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != question.StatusDELIVERED || *got.ExpertID != expertID {
			t.Fatalf("after release: %s, expert %v", got.Status, got.ExpertID)
		}
	})

	t.Run("an admin may end it, not give it to another expert", func(t *testing.T) {
		q := e.delivered(t, cctx, xctx)
		revise(t, q.ID)
		other, _ := e.expert(t)
		if _, err := e.svc.Reassign(e.admin, q.ID, &other); errs.CodeOf(err) != errs.Conflict {
			t.Fatalf("reassigning a revision to another expert: %v, want CONFLICT", err)
		}
		got, err := e.svc.Reassign(e.admin, q.ID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != question.StatusDELIVERED || got.ExpertID == nil || *got.ExpertID != expertID || got.AutoAcceptAt == nil {
			t.Fatalf("after the admin ended the revision: %s, expert %v, auto-accept %v", got.Status, got.ExpertID, got.AutoAcceptAt)
		}
	})
}

// TestTheSweepsLeaveARevisionToItsLease: past its auto-accept delay and its deadline, a
// question in REVISION_REQUESTED is left alone until the revision's lease runs out, which
// gives the client back the answer already delivered.
func TestTheSweepsLeaveARevisionToItsLease(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	if _, err := e.svc.RequestRevision(cctx, q.ID, "more detail"); err != nil {
		t.Fatal(err)
	}
	// Past the auto-accept delay and the deadline: only the lease sweep acts.
	e.clock.advance(settings.Defaults().AutoAcceptDelay + questions.Turnaround(question.UrgencyNORMAL))
	if n, err := e.svc.AutoAccept(context.Background()); err != nil || n != 0 {
		t.Fatalf("AutoAccept = %d, %v; want 0", n, err)
	}
	if n, err := e.svc.ExpireDeadlines(context.Background()); err != nil || n != 0 {
		t.Fatalf("ExpireDeadlines = %d, %v; want 0", n, err)
	}
	if s := e.status(t, q.ID); s != question.StatusREVISION_REQUESTED {
		t.Fatalf("after the sweeps: %s", s)
	}
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases = %d, %v; want 1", n, err)
	}
	if s := e.status(t, q.ID); s != question.StatusDELIVERED {
		t.Fatalf("after the lease: %s", s)
	}
}
