package questions_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/viewer"
)

func TestIllegalTransitionsAnswerConflictAndChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 200)
	expertID, xctx := e.expert(t)
	_, other := e.expert(t)

	cancelled := e.submit(t, cctx)
	if _, err := e.svc.Cancel(cctx, cancelled.ID); err != nil {
		t.Fatal(err)
	}
	claimed := e.claimed(t, cctx, xctx)
	limited := e.delivered(t, cctx, xctx)
	for range 2 { // the default limit is 2 revisions
		if _, err := e.svc.RequestRevision(cctx, limited.ID, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.SubmitAnswer(xctx, limited.ID, "again", nil); err != nil {
			t.Fatal(err)
		}
	}
	before := e.money(t, clientID, expertID)

	tests := []struct {
		name   string
		call   func() error
		id     uuid.UUID
		status question.Status
	}{
		{"accept a cancelled question", func() error { _, err := e.svc.Accept(cctx, cancelled.ID, 5, ""); return err }, cancelled.ID, question.StatusCANCELLED},
		{"cancel a cancelled question", func() error { _, err := e.svc.Cancel(cctx, cancelled.ID); return err }, cancelled.ID, question.StatusCANCELLED},
		{"claim a claimed question", func() error { _, err := e.svc.Claim(other, claimed.ID); return err }, claimed.ID, question.StatusCLAIMED},
		{"cancel a claimed question", func() error { _, err := e.svc.Cancel(cctx, claimed.ID); return err }, claimed.ID, question.StatusCLAIMED},
		{"accept before delivery", func() error { _, err := e.svc.Accept(cctx, claimed.ID, 5, ""); return err }, claimed.ID, question.StatusCLAIMED},
		{"dispute before delivery", func() error { _, err := e.svc.OpenDispute(cctx, claimed.ID, "x"); return err }, claimed.ID, question.StatusCLAIMED},
		{"a revision past the limit", func() error { _, err := e.svc.RequestRevision(cctx, limited.ID, ""); return err }, limited.ID, question.StatusDELIVERED},
		{"reassign a delivered question", func() error { _, err := e.svc.Reassign(e.admin, limited.ID, nil); return err }, limited.ID, question.StatusDELIVERED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantConflict(t, tt.call(), tt.status)
			if s := e.status(t, tt.id); s != tt.status {
				t.Fatalf("status changed to %s", s)
			}
		})
	}
	wantMoney(t, "after refused transitions", e.money(t, clientID, expertID), before)
}

func TestOtherUsersQuestionsAnswerNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, stranger := e.client(t, 100)
	_, xctx := e.expert(t)
	_, otherExpert := e.expert(t)
	claimed := e.claimed(t, cctx, xctx)
	delivered := e.delivered(t, cctx, xctx)
	missing := uuid.New()

	tests := []struct {
		name string
		call func(id uuid.UUID) error
		id   uuid.UUID
	}{
		{"cancel", func(id uuid.UUID) error { _, err := e.svc.Cancel(stranger, id); return err }, claimed.ID},
		{"accept", func(id uuid.UUID) error { _, err := e.svc.Accept(stranger, id, 5, ""); return err }, delivered.ID},
		{"revise", func(id uuid.UUID) error { _, err := e.svc.RequestRevision(stranger, id, ""); return err }, delivered.ID},
		{"dispute", func(id uuid.UUID) error { _, err := e.svc.OpenDispute(stranger, id, "x"); return err }, delivered.ID},
		{"read", func(id uuid.UUID) error { _, err := e.svc.Question(stranger, id); return err }, delivered.ID},
		{"extend another expert's lease", func(id uuid.UUID) error { _, err := e.svc.ExtendLease(otherExpert, id); return err }, claimed.ID},
		{"release another expert's task", func(id uuid.UUID) error { _, err := e.svc.ReleaseTask(otherExpert, id); return err }, claimed.ID},
		{"answer another expert's task", func(id uuid.UUID) error { _, err := e.svc.SubmitAnswer(otherExpert, id, "x", nil); return err }, claimed.ID},
		{"decline another expert's task", func(id uuid.UUID) error { _, err := e.svc.Decline(otherExpert, id, "x"); return err }, claimed.ID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantCode(t, tt.call(tt.id), errs.NotFound)
			wantCode(t, tt.call(missing), errs.NotFound)
		})
	}
	revs, err := e.svc.RevisionsFor(stranger, []uuid.UUID{delivered.ID})
	if err != nil || len(revs) != 0 {
		t.Fatalf("a stranger's revisions = %v, %v", revs, err)
	}
	mine, err := e.svc.MyQuestions(stranger, nil)
	if err != nil || mine.CountX(stranger) != 0 {
		t.Fatalf("stranger's questions: %v", err)
	}
}

func TestOnlyApprovedExpertsWork(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submit(t, cctx)
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	pendingID, pending := e.user(t, user.RoleEXPERT, []string{subject})
	e.db.Client.User.UpdateOneID(pendingID).SetExpertStatus(user.ExpertStatusPENDING).ExecX(sys)
	// A token that says EXPERT does not help a user whose row says otherwise.
	clientID, _ := e.client(t, 0)
	forged := viewer.With(context.Background(), viewer.Principal{UserID: clientID, Role: viewer.RoleExpert})
	_, elsewhere := e.user(t, user.RoleEXPERT, []string{"History"})

	for name, ctx := range map[string]context.Context{"pending": pending, "client with an expert token": forged, "client": cctx} {
		_, err := e.svc.Claim(ctx, q.ID)
		wantCode(t, err, errs.Forbidden)
		_, err = e.svc.AvailableTasks(ctx)
		if errs.CodeOf(err) != errs.Forbidden {
			t.Fatalf("%s: AvailableTasks %v", name, err)
		}
	}
	_, err := e.svc.Claim(elsewhere, q.ID)
	wantCode(t, err, errs.NotFound) // as question(id:) answers them
	tasks, err := e.svc.AvailableTasks(elsewhere)
	if err != nil || tasks.CountX(elsewhere) != 0 {
		t.Fatalf("tasks outside the expert's subjects: %v", err)
	}
	_, err = e.svc.Claim(context.Background(), q.ID)
	wantCode(t, err, errs.Unauthenticated)
}

// A retry is answered with its first question whatever the settings are now: once an
// admin removed its subject, it was refused as "unknown subject".
func TestSubmitReplaysAfterItsSubjectWasRemoved(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 30)
	in := questions.SubmitInput{Subject: " languages", Title: " Ser or estar? ", Body: "Which one, and why?", Urgency: question.UrgencyLOW, IdempotencyKey: "subj-rm"}
	first, err := e.svc.Submit(cctx, in)
	if err != nil {
		t.Fatal(err)
	}
	kept := slices.DeleteFunc(settings.Defaults().Subjects, func(s string) bool { return s == "Languages" })
	if _, err := e.settings.Update(e.admin, settings.Patch{Subjects: kept}); err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Submit(cctx, in)
	if err != nil || again.ID != first.ID {
		t.Fatalf("replay after the subject was removed: %v, %v; want question %v", err, again, first.ID)
	}
	wantMoney(t, "one hold", e.money(t, clientID, uuid.Nil), money{balance: 20, held: 10})

	changed := in
	changed.Title = "Por or para?"
	_, err = e.svc.Submit(cctx, changed)
	wantCode(t, err, errs.Conflict)
	in.IdempotencyKey = "new"
	_, err = e.svc.Submit(cctx, in)
	wantCode(t, err, errs.BadUserInput)
}

func TestSubmitValidatesAndReplaysByKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 30)
	ok := questions.SubmitInput{Subject: subject, Title: "Title", Body: "Body", Urgency: question.UrgencyNORMAL, IdempotencyKey: "same"}
	bad := map[string]func(in *questions.SubmitInput){
		"unknown subject":    func(in *questions.SubmitInput) { in.Subject = "Astrology" },
		"empty title":        func(in *questions.SubmitInput) { in.Title = " " },
		"long title":         func(in *questions.SubmitInput) { in.Title = strings.Repeat("a", 201) },
		"long body":          func(in *questions.SubmitInput) { in.Body = strings.Repeat("é", 20001) },
		"invalid UTF-8":      func(in *questions.SubmitInput) { in.Body = "\xff" },
		"NUL":                func(in *questions.SubmitInput) { in.Title = "a\x00b" },
		"unknown urgency":    func(in *questions.SubmitInput) { in.Urgency = "SOON" },
		"bad idempotencyKey": func(in *questions.SubmitInput) { in.IdempotencyKey = " spaced " },
		// An empty key once made a new question at every retry, paid each time.
		"no idempotencyKey": func(in *questions.SubmitInput) { in.IdempotencyKey = "" },
	}
	for name, change := range bad {
		in := ok
		change(&in)
		_, err := e.svc.Submit(cctx, in)
		if errs.CodeOf(err) != errs.BadUserInput {
			t.Fatalf("%s: %v, want BAD_USER_INPUT", name, err)
		}
	}
	first, err := e.svc.Submit(cctx, ok)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.svc.Submit(cctx, ok)
	if err != nil || again.ID != first.ID {
		t.Fatalf("replay: %v, id %v want %v", err, again, first.ID)
	}
	changed := ok
	changed.Title = "Another"
	_, err = e.svc.Submit(cctx, changed)
	wantCode(t, err, errs.Conflict)
	wantMoney(t, "one hold", e.money(t, clientID, uuid.Nil), money{balance: 10, held: 20})

	// The key is the client's own: another client's same key is another question.
	_, otherCtx := e.client(t, 30)
	theirs, err := e.svc.Submit(otherCtx, ok)
	if err != nil || theirs.ID == first.ID {
		t.Fatalf("another client's key: %v", err)
	}

	// The subject in any case, spaces around: the settings' spelling, at its price (the
	// price was once looked up by the spelling given: "no price for this subject").
	_, casedCtx := e.client(t, 30)
	cased := ok
	cased.Subject = "  " + strings.ToUpper(subject) + " "
	if q, err := e.svc.Submit(casedCtx, cased); err != nil || q.Subject != subject || q.Price != first.Price {
		t.Fatalf("subject %q: %v, %+v", cased.Subject, err, q)
	}

	ok.IdempotencyKey = "poor"
	_, err = e.svc.Submit(cctx, ok)
	wantCode(t, err, errs.InsufficientCredits)
	var ee *errs.Error
	if !errors.As(err, &ee) || ee.Extensions["shortfall"] != int64(10) {
		t.Fatalf("shortfall %v", ee.Extensions)
	}
	_, err = e.svc.Submit(e.admin, ok)
	wantCode(t, err, errs.Forbidden)
}
