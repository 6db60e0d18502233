package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/live"
	"backbone/internal/viewer"
)

func TestQuestionUpdatedReadsTheQuestionAgainAndEndsWhenItIsNoLongerTheViewers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mem := memoryBus(t)
	s := newLive(t, mem, w.questions, fast())
	clientID, clientCtx := w.client(t)
	_, otherClient := w.client(t)
	expertID, expertCtx := w.user(t, user.RoleEXPERT)
	q := w.waiting(t, clientCtx)
	changed := func(q *ent.Question, status question.Status) {
		publish(t, mem, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: q.ID, Status: status, At: time.Now()})
	}

	forClient, audience, err := s.QuestionUpdated(clientCtx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := "question:" + q.ID.String() + ":user:" + clientID.String(); audience != want {
		t.Errorf("audience %q, want %q", audience, want)
	}
	forAdmin, audience, err := s.QuestionUpdated(w.admin, q.ID)
	if err != nil || audience != "question:"+q.ID.String()+":admin" {
		t.Fatalf("admin: %q, %v", audience, err)
	}
	for _, ctx := range []context.Context{otherClient, expertCtx} { // the expert sees it in the queue only
		if _, _, err := s.QuestionUpdated(ctx, q.ID); errs.CodeOf(err) != errs.NotFound {
			t.Fatalf("want NOT_FOUND, got %v", err)
		}
	}
	if _, _, err := s.QuestionUpdated(clientCtx, uuid.New()); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("a missing question: %v", err)
	}

	if _, err := w.questions.Claim(expertCtx, q.ID); err != nil {
		t.Fatal(err)
	}
	forExpert, _, err := s.QuestionUpdated(expertCtx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	changed(q, question.StatusCLAIMED)
	for _, ch := range []<-chan *ent.Question{forClient, forAdmin} {
		if got := next(t, ch); got.Status != question.StatusCLAIMED || got.ExpertID == nil || *got.ExpertID != expertID {
			t.Fatalf("after the claim: %+v", got)
		}
	}
	next(t, forExpert)

	released, err := w.questions.ReleaseTask(expertCtx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	changed(released, released.Status)
	closes(t, forExpert)
	if got := next(t, forClient); got.Status != question.StatusAWAITING_EXPERT {
		t.Fatalf("after the release: %+v", got)
	}
}

func TestQuestionUpdatedNeedsAViewer(t *testing.T) {
	t.Parallel()
	s := newLive(t, nil, nil, fast())
	if _, _, err := s.QuestionUpdated(context.Background(), uuid.New()); errs.CodeOf(err) != errs.Unauthenticated {
		t.Fatalf("got %v", err)
	}
	if got := live.QuestionAudience(viewer.Principal{Role: viewer.RoleAdmin, UserID: uuid.New()}, uuid.Nil); got != "question:"+uuid.Nil.String()+":admin" {
		t.Fatalf("audience %q", got)
	}
}

func TestTaskQueueChangedIsForApprovedExpertsInTheirSubjects(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mem := memoryBus(t)
	s := newLive(t, mem, w.questions, fast())
	_, expert := w.user(t, user.RoleEXPERT)
	sub, err := s.TaskQueueChanged(expert, nil)
	if err != nil {
		t.Fatal(err)
	}
	ch := sub.Events
	if sub.Audience != `taskqueue:"physics"` {
		t.Errorf("audience %q", sub.Audience)
	}
	_, pending := w.user(t, user.RoleEXPERT, true)
	if _, err := s.TaskQueueChanged(pending, nil); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("a pending expert: %v", err)
	}
	_, clientCtx := w.client(t)
	if _, err := s.TaskQueueChanged(clientCtx, nil); errs.CodeOf(err) != errs.Forbidden {
		t.Errorf("a client: %v", err)
	}
	q := w.waiting(t, clientCtx)
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q.ID, Subject: q.Subject, Title: q.Title, At: time.Now()})
	if e := next(t, ch); e.QuestionID != q.ID || e.Change != live.TaskAdded {
		t.Fatalf("got %+v", e)
	}
}

// A task queue subscription follows the subjects it was opened over: an
// expert.subjects_changed event of its expert closes SubjectsChanged once the subjects
// read again differ, and only then (a redelivered event changes nothing; another
// expert's event is not its own). The events go on: others may share them. The watch
// lasts as long as the subscriber channel, not the context, when one is given.
func TestTaskQueueChangedSaysWhenTheExpertsSubjectsChange(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	mem := memoryBus(t)
	s := newLive(t, mem, w.questions, fast())
	id, expert := w.user(t, user.RoleEXPERT)
	_, otherCtx := w.user(t, user.RoleEXPERT)
	// A member of a shared execution: its resolver's context ends at once.
	resolverCtx, cancelResolver := context.WithCancel(expert)
	subscriber := make(chan struct{})
	defer close(subscriber)
	sub, err := s.TaskQueueChanged(resolverCtx, subscriber)
	if err != nil {
		t.Fatal(err)
	}
	cancelResolver()
	other, err := s.TaskQueueChanged(otherCtx, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, clientCtx := w.client(t)
	q := w.waiting(t, clientCtx)
	publish(t, mem, events.TopicExpertSubjectsChanged, events.ExpertSubjectsChanged{UserID: id, Subjects: []string{"physics"}, At: time.Now()})
	publish(t, mem, events.TopicTaskAvailable, events.TaskAvailable{QuestionID: q.ID, Subject: q.Subject, Title: q.Title, At: time.Now()})
	if e := next(t, other.Events); e.QuestionID != q.ID {
		t.Fatalf("the other expert got %+v", e)
	}
	select {
	case <-sub.SubjectsChanged:
		t.Fatal("SubjectsChanged closed by an event that changed nothing")
	case <-time.After(200 * time.Millisecond):
	}

	w.db.User.UpdateOneID(id).SetExpertSubjects([]string{"chemistry"}).
		ExecX(privacy.DecisionContext(context.Background(), privacy.Allow))
	publish(t, mem, events.TopicExpertSubjectsChanged, events.ExpertSubjectsChanged{UserID: id, Subjects: []string{"chemistry"}, At: time.Now()})
	closes(t, sub.SubjectsChanged)
	select {
	case <-other.SubjectsChanged:
		t.Fatal("another expert's change closed this one's")
	default:
	}
	// The events go on for whoever shares them.
	publish(t, mem, events.TopicTaskTaken, events.TaskTaken{QuestionID: q.ID, Subject: q.Subject, At: time.Now()})
	if e := next(t, other.Events); e.Change != live.TaskRemoved {
		t.Fatalf("the other expert got %+v", e)
	}
}
