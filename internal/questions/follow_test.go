package questions_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/questions"
)

func TestFollowedQuestionIsForItsClientItsExpertAndAdmins(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, otherClient := e.client(t, 0)
	_, xctx := e.expert(t)
	_, otherExpert := e.expert(t)
	q := e.submit(t, cctx)

	follows := func(ctx context.Context) bool {
		t.Helper()
		got, err := e.svc.FollowedQuestion(ctx, q.ID)
		if err != nil && errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("FollowedQuestion: %v", err)
		}
		return err == nil && got.ID == q.ID
	}
	// Waiting in the queue: experts see it there, but it is nobody's to follow yet.
	if !follows(cctx) || !follows(e.admin) || follows(xctx) || follows(otherClient) {
		t.Fatal("a waiting question: want only its client and admins")
	}
	if _, err := e.svc.Claim(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if !follows(xctx) || follows(otherExpert) {
		t.Fatal("a claimed question: want its expert and no other")
	}
	if _, err := e.svc.ReleaseTask(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	if follows(xctx) || !follows(cctx) {
		t.Fatal("a released question: its former expert follows it no more")
	}
	_, err := e.svc.FollowedQuestion(context.Background(), q.ID)
	wantCode(t, err, errs.Unauthenticated)
}

func TestTaskSubjectsAndApprovalAreReadFromTheDatabase(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Registration may store another spelling; the settings' one comes back.
	expertID, xctx := e.user(t, user.RoleEXPERT, []string{"mathematics", "Alchemy"})
	got, err := e.svc.TaskSubjects(xctx)
	if err != nil || !slices.Equal(got, []string{"Mathematics"}) {
		t.Fatalf("TaskSubjects = %v, %v; want [Mathematics]", got, err)
	}
	if ok, err := e.svc.ApprovedExpert(context.Background(), expertID); !ok || err != nil {
		t.Fatalf("ApprovedExpert = %v, %v", ok, err)
	}
	pendingID, pctx := e.user(t, user.RoleEXPERT, nil)
	e.db.Client.User.UpdateOneID(pendingID).SetExpertStatus(user.ExpertStatusPENDING).ExecX(privacy.DecisionContext(context.Background(), privacy.Allow))
	_, err = e.svc.TaskSubjects(pctx)
	wantCode(t, err, errs.Forbidden)
	if ok, err := e.svc.ApprovedExpert(context.Background(), pendingID); ok || err != nil {
		t.Fatalf("ApprovedExpert of a pending applicant = %v, %v", ok, err)
	}
	_, clientCtx := e.client(t, 0)
	_, err = e.svc.TaskSubjects(clientCtx)
	wantCode(t, err, errs.Forbidden)
}

func TestStatusCountsGroupEveryQuestion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	e.submit(t, cctx)
	e.submit(t, cctx)
	e.claimed(t, cctx, xctx)
	e.submitOnly(t, cctx)
	got, err := e.svc.StatusCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[question.Status]int{questions.QueueStatus: 2, question.StatusCLAIMED: 1, question.StatusSUBMITTED: 1}
	if len(got) != len(want) {
		t.Fatalf("StatusCounts = %v, want %v", got, want)
	}
	for s, n := range want {
		if got[s] != n {
			t.Fatalf("StatusCounts = %v, want %v", got, want)
		}
	}
}

func TestQueueChangesAreTheQuestionsThatEnteredOrLeftTheQueueSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 1000)
	_, xctx := e.expert(t)
	e.submit(t, cctx)                         // queued before: not a change
	claimedBefore := e.claimed(t, cctx, xctx) // left before: not a change
	e.clock.advance(time.Minute)
	since := e.clock.Now()

	entered := e.submit(t, cctx)
	cancelled := e.submit(t, cctx)
	if _, err := e.svc.Cancel(cctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	claimed := e.claimed(t, cctx, xctx)
	e.submitOnly(t, cctx) // still with the AI pipeline: never in the queue
	e.clock.advance(time.Second)
	latest := e.submit(t, cctx)

	queued, left, err := e.svc.QueueChanges(context.Background(), []string{strings.ToUpper(subject)}, since, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ids(queued), []uuid.UUID{latest.ID, entered.ID}; !slices.Equal(got, want) {
		t.Fatalf("queued = %v, want %v (the latest first)", got, want)
	}
	if got := ids(left); len(got) != 2 || !slices.Contains(got, cancelled.ID) || !slices.Contains(got, claimed.ID) || slices.Contains(got, claimedBefore.ID) {
		t.Fatalf("left = %v, want the cancelled %s and the claimed %s", got, cancelled.ID, claimed.ID)
	}

	queued, _, err = e.svc.QueueChanges(context.Background(), []string{subject}, since, 1)
	if err != nil || len(queued) != 1 || queued[0].ID != latest.ID {
		t.Fatalf("limit 1: %v, %v; want only the latest", ids(queued), err)
	}
	queued, left, err = e.svc.QueueChanges(context.Background(), []string{"Astronomy"}, since, 10)
	if err != nil || len(queued)+len(left) != 0 {
		t.Fatalf("another subject: %v, %v, %v; want nothing", ids(queued), ids(left), err)
	}
}

func ids(qs []*ent.Question) []uuid.UUID {
	out := make([]uuid.UUID, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}
