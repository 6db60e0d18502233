package questions_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/answerrevision"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/rating"
	"backbone/internal/events"
	"backbone/internal/questions"
	"backbone/internal/settings"
)

func TestFullLifecycleMovesTheMoneyExactlyAtEachStep(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)

	q, err := e.svc.Submit(cctx, questions.SubmitInput{Subject: subject, Title: "Integral", Body: "What is the integral of x?", Urgency: question.UrgencyNORMAL, IdempotencyKey: "k1"})
	if err != nil {
		t.Fatal(err)
	}
	if q.Status != question.StatusSUBMITTED || q.Price != 20 || !q.Deadline.Equal(e.clock.Now().Add(questions.Turnaround(question.UrgencyNORMAL))) {
		t.Fatalf("submitted question: status %s price %d deadline %v", q.Status, q.Price, q.Deadline)
	}
	wantMoney(t, "submitted", e.money(t, clientID, expertID), money{balance: 80, held: 20})
	if n := e.outbox(t, q.ID, events.JobPipelineDraft); n != 1 {
		t.Fatalf("draft jobs = %d, want 1", n)
	}

	for range 2 { // a redelivered job changes nothing
		if err := e.svc.Route(context.Background(), q.ID); err != nil {
			t.Fatal(err)
		}
	}
	if s := e.status(t, q.ID); s != question.StatusAWAITING_EXPERT {
		t.Fatalf("after route: %s", s)
	}
	if n := e.outbox(t, q.ID, questions.EventTaskAvailable); n != 1 {
		t.Fatalf("task.available events = %d, want 1", n)
	}

	a, err := e.svc.Claim(xctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if a.ExpertID != expertID || !a.LeaseExpiresAt.Equal(e.clock.Now().Add(settings.Defaults().Lease)) {
		t.Fatalf("assignment %+v", a)
	}
	if _, err := e.svc.SubmitAnswer(xctx, q.ID, "x^2 + C", nil); err != nil {
		t.Fatal(err)
	}
	wantMoney(t, "delivered", e.money(t, clientID, expertID), money{balance: 80, held: 20})

	revised, err := e.svc.RequestRevision(cctx, q.ID, "the constant is wrong")
	if err != nil {
		t.Fatal(err)
	}
	if revised.Status != question.StatusREVISION_REQUESTED || revised.RevisionCount != 1 || *revised.ExpertID != expertID {
		t.Fatalf("after revision request: %s count %d", revised.Status, revised.RevisionCount)
	}
	active, err := e.svc.MyAssignments(xctx, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := active.CountX(xctx); n != 1 {
		t.Fatalf("active assignments after the revision request = %d, want 1", n)
	}
	if _, err := e.svc.SubmitAnswer(xctx, q.ID, "x^2/2 + C", nil); err != nil {
		t.Fatal(err)
	}

	// An AI draft is never shown to the client; the expert sees every kind.
	e.db.Client.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(answerrevision.KindAI_DRAFT).SetBody("draft").ExecX(sys)
	forClient, err := e.svc.RevisionsFor(cctx, []uuid.UUID{q.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := forClient[q.ID]; len(got) != 2 || got[0].Body != "x^2 + C" || got[1].Body != "x^2/2 + C" {
		t.Fatalf("client's revisions = %v", got)
	}
	forExpert, err := e.svc.RevisionsFor(xctx, []uuid.UUID{q.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(forExpert[q.ID]) != 3 {
		t.Fatalf("expert's revisions = %d, want 3", len(forExpert[q.ID]))
	}

	accepted, err := e.svc.Accept(cctx, q.ID, 5, "thanks")
	if err != nil {
		t.Fatal(err)
	}
	if accepted.Status != question.StatusACCEPTED || accepted.ClosedAt == nil {
		t.Fatalf("accepted: %s", accepted.Status)
	}
	// 20% of 20: the expert earns 16, the platform 4.
	wantMoney(t, "accepted", e.money(t, clientID, expertID), money{balance: 80, earned: 16, revenue: 4})
	r := e.db.Client.Rating.Query().Where(rating.QuestionID(q.ID)).OnlyX(sys)
	if r.Stars != 5 || r.ExpertID != expertID || r.ClientID != clientID {
		t.Fatalf("rating %+v", r)
	}
	// The returned question is detached from its transaction: edges load after commit.
	if c := accepted.QueryClient().OnlyX(cctx); c.ID != clientID {
		t.Fatalf("client edge %s", c.ID)
	}
	actions := e.db.Client.AuditLog.Query().Where(auditlog.TargetID(q.ID.String())).Select(auditlog.FieldAction).StringsX(sys)
	want := []string{"question.submitted", "question.routed", "question.claimed", "question.delivered",
		"question.revision_requested", "question.delivered", "question.accepted"}
	if len(actions) != len(want) {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
}

// TestAcceptCapturesWithTheFeeOfTheQuestionsSettingsVersion: a fee change applies to
// questions submitted after it; one submitted before is paid at its own version's fee.
func TestAcceptCapturesWithTheFeeOfTheQuestionsSettingsVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	before := e.delivered(t, cctx, xctx)
	fee := 1000
	if _, err := e.settings.Update(e.admin, settings.Patch{PlatformFeeBPS: &fee}); err != nil {
		t.Fatal(err)
	}
	e.settings.Invalidate()
	if _, err := e.svc.Accept(cctx, before.ID, 4, ""); err != nil {
		t.Fatal(err)
	}
	// Submitted at 20% of 20: the expert earns 16, the platform 4, whatever the fee now.
	wantMoney(t, "accepted at its own 20%", e.money(t, clientID, expertID), money{balance: 80, earned: 16, revenue: 4})
	after := e.delivered(t, cctx, xctx)
	if after.PlatformFeeBps == nil || *after.PlatformFeeBps != fee || after.SettingsVersion == nil || *after.SettingsVersion != 1 {
		t.Fatalf("a question submitted after the change records fee %v, version %v", after.PlatformFeeBps, after.SettingsVersion)
	}
	if _, err := e.svc.Accept(cctx, after.ID, 4, ""); err != nil {
		t.Fatal(err)
	}
	// And the next at 10% of 20: 18 and 2 more.
	wantMoney(t, "then at 10%", e.money(t, clientID, expertID), money{balance: 60, earned: 34, revenue: 6})
}
