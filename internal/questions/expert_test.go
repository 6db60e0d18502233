package questions_test

import (
	"context"
	"encoding/json"
	"testing"

	"backbone/ent/assignment"
	"backbone/ent/outboxmessage"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
)

func TestReleaseTaskRequeuesAndEndsTheClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	q := e.claimed(t, cctx, xctx)
	got, err := e.svc.ReleaseTask(xctx, q.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != question.StatusAWAITING_EXPERT || got.ExpertID != nil {
		t.Fatalf("released: %s held by %v", got.Status, got.ExpertID)
	}
	_, err = e.svc.ReleaseTask(xctx, q.ID)
	wantConflict(t, err, question.StatusAWAITING_EXPERT)
	tasks, err := e.svc.AvailableTasks(xctx)
	if err != nil || tasks.CountX(xctx) != 1 {
		t.Fatalf("available tasks after the release: %v", err)
	}
	if n := e.outbox(t, q.ID, questions.EventTaskAvailable); n != 2 {
		t.Fatalf("task.available events = %d, want 2 (routed, released)", n)
	}
}

func TestReassignMovesTheClaim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	otherID, other := e.expert(t)
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)

	q := e.claimed(t, cctx, xctx)
	got, err := e.svc.Reassign(e.admin, q.ID, &otherID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != question.StatusCLAIMED || *got.ExpertID != otherID {
		t.Fatalf("reassigned: %s to %v", got.Status, got.ExpertID)
	}
	_, err = e.svc.SubmitAnswer(xctx, q.ID, "too late", nil)
	wantConflict(t, err, question.StatusCLAIMED)
	if _, err := e.svc.SubmitAnswer(other, q.ID, "the answer", nil); err != nil {
		t.Fatal(err)
	}
	outcomes := e.db.Client.Assignment.Query().Where(assignment.QuestionID(q.ID)).
		Order(assignment.ByClaimedAt(), assignment.ByCreatedAt()).AllX(sys)
	if len(outcomes) != 2 || *outcomes[0].Outcome != assignment.OutcomeREASSIGNED || *outcomes[1].Outcome != assignment.OutcomeSUBMITTED {
		t.Fatalf("assignments %v", outcomes)
	}

	back := e.claimed(t, cctx, xctx)
	got, err = e.svc.Reassign(e.admin, back.ID, nil)
	if err != nil || got.Status != question.StatusAWAITING_EXPERT || got.ExpertID != nil {
		t.Fatalf("requeued: %v %v", err, got)
	}
	notExpert, _ := e.client(t, 0)
	_, err = e.svc.Reassign(e.admin, back.ID, &notExpert)
	wantCode(t, err, errs.BadUserInput)
	_, err = e.svc.Reassign(xctx, back.ID, nil)
	wantCode(t, err, errs.Forbidden)

	// An assignment follows a claim's rules: the expert's subjects, and the claim limit.
	elsewhere, _ := e.user(t, user.RoleEXPERT, []string{"Chemistry"})
	_, err = e.svc.Reassign(e.admin, back.ID, &elsewhere)
	wantCode(t, err, errs.BadUserInput)
	full, fullCtx := e.expert(t)
	for range settings.Defaults().MaxActiveClaims {
		e.claimed(t, cctx, fullCtx)
	}
	_, err = e.svc.Reassign(e.admin, back.ID, &full)
	wantConflict(t, err, question.StatusAWAITING_EXPERT)
	if got, err := e.svc.Reassign(e.admin, back.ID, &otherID); err != nil || *got.ExpertID != otherID {
		t.Fatalf("assigned to an expert of its subject: %v %v", err, got)
	}
}

func TestTransitionsWriteTheirEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	sys := privacy.DecisionContext(context.Background(), privacy.Allow)
	msgs := e.db.Client.OutboxMessage.Query().Where(outboxmessage.Key(q.ID.String())).
		Order(outboxmessage.ByCreatedAt(), outboxmessage.ByID()).AllX(sys)
	var topics []string
	payloads := map[string]map[string]any{}
	for _, m := range msgs {
		topics = append(topics, m.Topic)
		var p map[string]any
		if err := json.Unmarshal(m.Payload, &p); err != nil {
			t.Fatal(err)
		}
		payloads[m.Topic] = p
	}
	want := map[string]int{events.JobPipelineDraft: 1, questions.EventQuestionUpdated: 4, questions.EventTaskAvailable: 1,
		questions.EventTaskTaken: 1, questions.EventAnswerDelivered: 1}
	got := map[string]int{}
	for _, tp := range topics {
		got[tp]++
	}
	for tp, n := range want {
		if got[tp] != n {
			t.Fatalf("topics %v, want %v", got, want)
		}
	}
	if p := payloads[questions.EventTaskTaken]; p["expertId"] != expertID.String() || p["questionId"] != q.ID.String() {
		t.Fatalf("task.taken %v", p)
	}
	if p := payloads[questions.EventAnswerDelivered]; p["clientId"] != clientID.String() {
		t.Fatalf("answer.delivered %v", p)
	}
	if p := payloads[questions.EventQuestionUpdated]; p["status"] != "DELIVERED" || p["expertId"] != expertID.String() {
		t.Fatalf("last question.updated %v", p)
	}
	var job questions.RouteJob
	if err := json.Unmarshal(msgs[0].Payload, &job); err != nil || job.QuestionID != q.ID || msgs[0].Kind != outboxmessage.KindJOB {
		t.Fatalf("first job %v %v", job, err)
	}
}

func TestSubmitQueuesTheDraftWithTheAIPipelineOnAndTheRouteJobOff(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	for _, c := range []struct {
		on       bool
		job      string
		pipeline question.PipelineStatus
	}{{true, events.JobPipelineDraft, question.PipelineStatusPENDING}, {false, questions.TopicRoute, question.PipelineStatusSKIPPED}} {
		if _, err := e.settings.Update(e.admin, settings.Patch{AIPipelineEnabled: &c.on}); err != nil {
			t.Fatal(err)
		}
		e.settings.Invalidate()
		q := e.submitOnly(t, cctx)
		if q.Status != question.StatusSUBMITTED || e.outbox(t, q.ID, c.job) != 1 || *q.PipelineStatus != c.pipeline {
			t.Fatalf("pipeline %v: status %s, %s jobs %d, pipeline %s", c.on, q.Status, c.job, e.outbox(t, q.ID, c.job), *q.PipelineStatus)
		}
	}
}

// The embedded default runs on SQLite, which has no row locks: the same path works.
func TestLifecycleOnSQLite(t *testing.T) {
	t.Parallel()
	e := newEnvAt(t, testenv.NewSQLiteURL(t))
	clientID, cctx := e.client(t, 100)
	expertID, xctx := e.expert(t)
	q := e.delivered(t, cctx, xctx)
	if _, err := e.svc.Accept(cctx, q.ID, 5, ""); err != nil {
		t.Fatal(err)
	}
	open := e.submit(t, cctx)
	e.claimed(t, cctx, xctx)
	e.clock.advance(questions.Turnaround(question.UrgencyNORMAL))
	if n, err := e.svc.ExpireLeases(context.Background()); err != nil || n != 1 {
		t.Fatalf("ExpireLeases = %d, %v", n, err)
	}
	if n, err := e.svc.ExpireDeadlines(context.Background()); err != nil || n != 2 {
		t.Fatalf("ExpireDeadlines = %d, %v", n, err)
	}
	if e.status(t, open.ID) != question.StatusEXPIRED {
		t.Fatal("not expired")
	}
	wantMoney(t, "sqlite", e.money(t, clientID, expertID), money{balance: 80, earned: 16, revenue: 4})
}
