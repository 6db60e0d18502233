package questions_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/assignment"
	"backbone/ent/dispute"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/viewer"
)

func TestCancelBeforeAClaimRefundsThePrice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct {
		name  string
		route bool
	}{{"submitted", false}, {"awaiting an expert", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clientID, cctx := e.client(t, 50)
			q := e.submitOnly(t, cctx)
			if tt.route {
				if err := e.svc.Route(context.Background(), q.ID); err != nil {
					t.Fatal(err)
				}
			}
			got, err := e.svc.Cancel(cctx, q.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != question.StatusCANCELLED {
				t.Fatalf("status %s", got.Status)
			}
			wantMoney(t, "cancelled", e.money(t, clientID, uuid.Nil), money{balance: 50})
			// A job delivered after the cancel does not bring it back.
			if err := e.svc.Route(context.Background(), q.ID); err != nil || e.status(t, q.ID) != question.StatusCANCELLED {
				t.Fatalf("route after cancel: %v, %s", err, e.status(t, q.ID))
			}
		})
	}
}

func TestDeclineRefundsAndEndsTheClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expertID, xctx := e.expert(t)
	for _, claim := range []bool{false, true} {
		clientID, cctx := e.client(t, 50)
		q := e.submit(t, cctx)
		if claim {
			if _, err := e.svc.Claim(xctx, q.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, err := e.svc.Decline(xctx, q.ID, "not a real question")
		if err != nil {
			t.Fatalf("claimed %v: %v", claim, err)
		}
		if got.Status != question.StatusDECLINED {
			t.Fatalf("status %s", got.Status)
		}
		wantMoney(t, "declined", e.money(t, clientID, expertID), money{balance: 50})
		if claim {
			a := e.db.Client.Assignment.Query().Where(assignment.QuestionID(q.ID)).OnlyX(privacy.DecisionContext(context.Background(), privacy.Allow))
			if a.Outcome == nil || *a.Outcome != assignment.OutcomeDECLINED || a.Reason != "not a real question" {
				t.Fatalf("assignment outcome %v reason %q", a.Outcome, a.Reason)
			}
		}
	}
}

func TestExpiredLeaseReturnsTheQuestionToTheQueue(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 50)
	_, xctx := e.expert(t)
	_, other := e.expert(t)
	q := e.claimed(t, cctx, xctx)
	lease := settings.Defaults().Lease

	e.clock.advance(lease / 2)
	if _, err := e.svc.ExtendLease(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(lease - time.Second) // still inside the extended lease
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 0 {
		t.Fatalf("ExpireLeases inside the lease = %d, %v", n, err)
	}
	e.clock.advance(2 * time.Second)
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases = %d, %v; want 1", n, err)
	}
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 0 {
		t.Fatalf("second ExpireLeases = %d, %v; want 0", n, err)
	}
	if s := e.status(t, q.ID); s != question.StatusAWAITING_EXPERT {
		t.Fatalf("status %s", s)
	}
	_, err := e.svc.SubmitAnswer(xctx, q.ID, "late", nil)
	wantConflict(t, err, question.StatusAWAITING_EXPERT)
	if _, err := e.svc.Claim(other, q.ID); err != nil {
		t.Fatalf("another expert claims the requeued question: %v", err)
	}
}

func TestDeadlineExpiryRefundsOpenQuestionsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	open := e.submit(t, cctx)
	held := e.claimed(t, cctx, xctx)
	e.clock.advance(questions.Turnaround(question.UrgencyNORMAL) + time.Minute)
	_, err := e.svc.Claim(xctx, open.ID)
	wantConflict(t, err, question.StatusAWAITING_EXPERT) // past its deadline
	if n, err := e.svc.ExpireDeadlines(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireDeadlines = %d, %v; want 1", n, err)
	}
	if s := e.status(t, open.ID); s != question.StatusEXPIRED {
		t.Fatalf("open question: %s", s)
	}
	if s := e.status(t, held.ID); s != question.StatusCLAIMED {
		t.Fatalf("claimed question: %s", s)
	}
	wantMoney(t, "expired", e.money(t, clientID, expertID), money{balance: 80, held: 20})
}

func TestAutoAcceptPaysTheExpertAfterTheDelay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	disputed := e.delivered(t, cctx, xctx)
	if _, err := e.svc.OpenDispute(cctx, disputed.ID, "wrong"); err != nil {
		t.Fatal(err)
	}
	delay := settings.Defaults().AutoAcceptDelay
	e.clock.advance(delay - time.Second)
	if n, err := e.svc.AutoAccept(context.Background()); err != nil || n != 0 {
		t.Fatalf("AutoAccept before the delay = %d, %v", n, err)
	}
	e.clock.advance(time.Second)
	if n, err := e.svc.AutoAccept(context.Background()); err != nil || n != 1 {
		t.Fatalf("AutoAccept = %d, %v; want 1", n, err)
	}
	if s := e.status(t, q.ID); s != question.StatusACCEPTED {
		t.Fatalf("status %s", s)
	}
	wantMoney(t, "auto-accepted", e.money(t, clientID, expertID), money{balance: 60, held: 20, earned: 16, revenue: 4})
	if n := e.db.Client.Rating.Query().CountX(privacy.DecisionContext(context.Background(), privacy.Allow)); n != 0 {
		t.Fatalf("ratings = %d, want none", n)
	}
}

func TestResolvedDisputeSplitsTheEscrow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	if _, err := e.svc.OpenDispute(cctx, q.ID, "half of it is wrong"); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Accept(cctx, q.ID, 5, "")
	wantConflict(t, err, question.StatusDISPUTED)
	_, err = e.svc.ResolveDispute(e.admin, q.ID, 21, "")
	wantCode(t, err, "BAD_USER_INPUT")
	_, err = e.svc.ResolveDispute(cctx, q.ID, 5, "")
	wantCode(t, err, "FORBIDDEN")

	got, err := e.svc.ResolveDispute(e.admin, q.ID, 10, "half refunded")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != question.StatusRESOLVED {
		t.Fatalf("status %s", got.Status)
	}
	// 10 back to the client; 10 captured at 20%: 8 to the expert, 2 to the platform.
	wantMoney(t, "resolved", e.money(t, clientID, expertID), money{balance: 90, earned: 8, revenue: 2})
	d := e.db.Client.Dispute.Query().Where(dispute.QuestionID(q.ID)).OnlyX(privacy.DecisionContext(context.Background(), privacy.Allow))
	if d.Status != dispute.StatusRESOLVED || d.Refund == nil || *d.Refund != 10 || d.ResolvedBy == nil || *d.ResolvedBy != e.adminID {
		t.Fatalf("dispute %+v", d)
	}
	_, err = e.svc.ResolveDispute(e.admin, q.ID, 10, "")
	wantConflict(t, err, question.StatusRESOLVED)
}

// A client or expert made an admin later may not settle the dispute of their own
// question: another admin does, as with their payouts and grants.
func TestResolveDisputeIsNotForItsOwnParties(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	if _, err := e.svc.OpenDispute(cctx, q.ID, "half of it is wrong"); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uuid.UUID{expertID, clientID} {
		asAdmin := viewer.With(context.Background(), viewer.Principal{UserID: id, Role: string(user.RoleADMIN)})
		_, err := e.svc.ResolveDispute(asAdmin, q.ID, 0, "mine")
		wantCode(t, err, errs.Forbidden)
	}
	wantMoney(t, "refused", e.money(t, clientID, expertID), money{balance: 80, held: 20})
	if _, err := e.svc.ResolveDispute(e.admin, q.ID, 0, "another admin"); err != nil {
		t.Fatal(err)
	}
}

func TestAnExpiredRevisionKeepsTheDeliveredAnswer(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	e.clock.advance(questions.Turnaround(question.UrgencyNORMAL)) // the revision comes after the deadline
	if _, err := e.svc.RequestRevision(cctx, q.ID, "more detail"); err != nil {
		t.Fatal(err)
	}
	e.clock.advance(settings.Defaults().Lease)
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases = %d, %v", n, err)
	}
	if n, err := e.svc.ExpireDeadlines(context.Background()); err != nil || n != 0 {
		t.Fatalf("ExpireDeadlines = %d, %v; want 0", n, err)
	}
	got, err := e.svc.Question(cctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != question.StatusDELIVERED || got.ExpertID == nil || *got.ExpertID != expertID || got.RevisionCount != 1 {
		t.Fatalf("after the revision's lease: %s by %v, count %d", got.Status, got.ExpertID, got.RevisionCount)
	}
	wantMoney(t, "revision expired", e.money(t, clientID, expertID), money{balance: 80, held: 20})
	if _, err := e.svc.Accept(cctx, q.ID, 3, ""); err != nil {
		t.Fatal(err)
	}
	wantMoney(t, "accepted", e.money(t, clientID, expertID), money{balance: 80, earned: 16, revenue: 4})
}
