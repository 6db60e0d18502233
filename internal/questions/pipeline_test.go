package questions_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/pipelinestage"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/originality"
	"backbone/internal/questions"
	"backbone/internal/settings"
)

// The pipeline's transitions, driven as a worker drives them, without a model: the
// workers' tests and the end-to-end tests in server/ add the model and the queue.

var sys = privacy.DecisionContext(context.Background(), privacy.Allow)

// aiText is a stage's output: long enough to have originality fingerprints.
func aiText(words ...string) string {
	return "The answer explains " + strings.Join(words, " ") + " with care, step by step, so that every reader can follow the argument to its end."
}

// runStage starts stage for q and completes it with res; it fails on no work.
func (e *env) runStage(tb testing.TB, id uuid.UUID, stage questions.Stage, res questions.StageResult) *questions.StageWork {
	tb.Helper()
	w, err := e.svc.StartStage(context.Background(), id, stage)
	if err != nil || w == nil {
		tb.Fatalf("StartStage(%s) = %v, %v", stage, w, err)
	}
	if err := e.svc.CompleteStage(context.Background(), w, res); err != nil {
		tb.Fatalf("CompleteStage(%s): %v", stage, err)
	}
	return w
}

func (e *env) question(tb testing.TB, id uuid.UUID) *ent.Question {
	tb.Helper()
	q, err := e.db.Client.Question.Get(sys, id)
	if err != nil {
		tb.Fatal(err)
	}
	return q
}

func (e *env) stages(tb testing.TB, id uuid.UUID) map[questions.Stage]*ent.PipelineStage {
	tb.Helper()
	rows, err := e.db.Client.PipelineStage.Query().Where(pipelinestage.QuestionID(id)).All(sys)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[questions.Stage]*ent.PipelineStage{}
	for _, r := range rows {
		out[r.Stage] = r
	}
	return out
}

func (e *env) aiRevisions(tb testing.TB, id uuid.UUID) []*ent.AnswerRevision {
	tb.Helper()
	revs, err := e.db.Client.AnswerRevision.Query().Where(answerrevision.QuestionID(id)).
		Order(ent.Asc(answerrevision.FieldCreatedAt)).All(sys)
	if err != nil {
		tb.Fatal(err)
	}
	return revs
}

func TestPipelineRunsTheStagesInOrderOnce(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submitOnly(t, cctx)
	if got := e.question(t, q.ID); *got.PipelineStatus != question.PipelineStatusPENDING || e.outbox(t, q.ID, events.JobPipelineDraft) != 1 {
		t.Fatalf("after submit: pipeline %v, draft jobs %d", got.PipelineStatus, e.outbox(t, q.ID, events.JobPipelineDraft))
	}

	draft := aiText("the draft")
	e.runStage(t, q.ID, questions.StageDraft, questions.StageResult{Text: draft, Model: "m1", PromptVersion: "draft.v1", PromptTokens: 10, CompletionTokens: 20})
	if s := e.status(t, q.ID); s != question.StatusREWRITING {
		t.Fatalf("after the draft: %s, want REWRITING", s)
	}
	// A redelivered draft job finds the question past the stage: nothing to do.
	if w, err := e.svc.StartStage(context.Background(), q.ID, questions.StageDraft); w != nil || err != nil {
		t.Fatalf("second StartStage(DRAFT) = %v, %v; want nothing to do", w, err)
	}

	rw, err := e.svc.StartStage(context.Background(), q.ID, questions.StageRewrite)
	if err != nil || rw == nil || rw.Draft == nil || rw.Draft.Body != draft {
		t.Fatalf("StartStage(REWRITE) = %+v, %v; want the draft", rw, err)
	}
	rewrite := aiText("the rewrite")
	if err := e.svc.CompleteStage(context.Background(), rw, questions.StageResult{Text: rewrite, Model: "m2", PromptTokens: 5, CompletionTokens: 5}); err != nil {
		t.Fatal(err)
	}
	// A second worker that did the same stage stores nothing twice.
	if err := e.svc.CompleteStage(context.Background(), rw, questions.StageResult{Text: "again"}); err != nil {
		t.Fatal(err)
	}

	check, err := e.svc.StartStage(context.Background(), q.ID, questions.StageCheck)
	if err != nil || check == nil || check.Answer == nil || check.Answer.Body != rewrite {
		t.Fatalf("StartStage(CHECK) = %+v, %v; want the rewrite to check", check, err)
	}
	res, err := originality.Check(sys, e.db.Client, q.ID, check.Answer.Body)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CompleteStage(context.Background(), check, questions.StageResult{Originality: &res}); err != nil {
		t.Fatal(err)
	}

	got := e.question(t, q.ID)
	if got.Status != question.StatusAWAITING_EXPERT || *got.PipelineStatus != question.PipelineStatusDONE {
		t.Fatalf("after the check: %s, pipeline %s", got.Status, *got.PipelineStatus)
	}
	revs := e.aiRevisions(t, q.ID)
	if len(revs) != 2 || revs[0].Kind != answerrevision.KindAI_DRAFT || revs[1].Kind != answerrevision.KindREWRITE {
		t.Fatalf("revisions = %v, want one AI_DRAFT and one REWRITE", revs)
	}
	if revs[1].OriginalityScore == nil || *revs[1].OriginalityScore != 1 {
		t.Fatalf("rewrite's originality = %v, want 1 (nothing else on the platform)", revs[1].OriginalityScore)
	}
	st := e.stages(t, q.ID)
	for _, s := range []questions.Stage{questions.StageDraft, questions.StageRewrite, questions.StageCheck} {
		if st[s].Status != pipelinestage.StatusDONE || st[s].Attempts != 1 || st[s].FinishedAt == nil {
			t.Fatalf("stage %s = %+v, want DONE after one attempt", s, st[s])
		}
	}
	if st[questions.StageDraft].Model != "m1" || st[questions.StageDraft].CompletionTokens != 20 {
		t.Fatalf("draft stage = %+v, want its model and tokens", st[questions.StageDraft])
	}
	if n := e.outbox(t, q.ID, events.TopicTaskAvailable); n != 1 {
		t.Fatalf("task.available events = %d, want 1", n)
	}
}

func TestPipelineRewriteRefusedTwiceKeepsTheDraft(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submitOnly(t, cctx)
	draft := aiText("only the draft")
	e.runStage(t, q.ID, questions.StageDraft, questions.StageResult{Text: draft})
	e.runStage(t, q.ID, questions.StageRewrite, questions.StageResult{Note: "rewrite 2 refused: lost 42"})
	check, err := e.svc.StartStage(context.Background(), q.ID, questions.StageCheck)
	if err != nil || check == nil || check.Answer.Body != draft {
		t.Fatalf("StartStage(CHECK) = %+v, %v; want the draft to check", check, err)
	}
	st := e.stages(t, q.ID)[questions.StageRewrite]
	if st.Status != pipelinestage.StatusFAILED || st.Error != "rewrite 2 refused: lost 42" {
		t.Fatalf("rewrite stage = %s %q, want FAILED with the guard's finding", st.Status, st.Error)
	}
}

func TestPipelineCancelledMidStageStops(t *testing.T) {
	e := newEnv(t)
	clientID, cctx := e.client(t, 100)
	q := e.submitOnly(t, cctx)
	w, err := e.svc.StartStage(context.Background(), q.ID, questions.StageDraft)
	if err != nil || w == nil {
		t.Fatal(w, err)
	}
	if _, err := e.svc.Cancel(cctx, q.ID); err != nil {
		t.Fatalf("Cancel while DRAFTING: %v", err)
	}
	if err := e.svc.CompleteStage(context.Background(), w, questions.StageResult{Text: aiText("late")}); err != nil {
		t.Fatal(err)
	}
	if s := e.status(t, q.ID); s != question.StatusCANCELLED {
		t.Fatalf("status = %s, want CANCELLED", s)
	}
	if revs := e.aiRevisions(t, q.ID); len(revs) != 0 {
		t.Fatalf("revisions = %d, want none after the cancel", len(revs))
	}
	got := e.question(t, q.ID)
	if *got.PipelineStatus != question.PipelineStatusSKIPPED || e.stages(t, q.ID)[questions.StageDraft].Status != pipelinestage.StatusSKIPPED {
		t.Fatalf("pipeline after the cancel: %s, draft stage %s", *got.PipelineStatus, e.stages(t, q.ID)[questions.StageDraft].Status)
	}
	wantMoney(t, "refunded", e.money(t, clientID, uuid.Nil), money{balance: 100, revenue: 0})
	if n := e.outbox(t, q.ID, events.JobPipelineRewrite); n != 0 {
		t.Fatalf("rewrite jobs = %d, want none", n)
	}
}

func TestPipelineFailureSendsTheQuestionToTheExperts(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submitOnly(t, cctx)
	e.runStage(t, q.ID, questions.StageDraft, questions.StageResult{Text: aiText("draft")})
	w, err := e.svc.StartStage(context.Background(), q.ID, questions.StageRewrite)
	if err != nil || w == nil {
		t.Fatal(w, err)
	}
	if err := e.svc.FailStage(context.Background(), w, questions.StageResult{}, "provider down"); err != nil {
		t.Fatal(err)
	}
	got := e.question(t, q.ID)
	if got.Status != question.StatusAWAITING_EXPERT || *got.PipelineStatus != question.PipelineStatusFAILED || got.PipelineReason != "provider down" {
		t.Fatalf("after failing: %s, %s %q", got.Status, *got.PipelineStatus, got.PipelineReason)
	}
	st := e.stages(t, q.ID)
	if st[questions.StageRewrite].Status != pipelinestage.StatusFAILED || st[questions.StageCheck].Status != pipelinestage.StatusSKIPPED {
		t.Fatalf("stages = %s, %s; want FAILED, SKIPPED", st[questions.StageRewrite].Status, st[questions.StageCheck].Status)
	}

	// An admin runs it again from the rewrite; the draft is not made twice.
	_, err = e.svc.RetryPipeline(e.admin, q.ID)
	if err != nil {
		t.Fatalf("RetryPipeline: %v", err)
	}
	if s := e.status(t, q.ID); s != question.StatusREWRITING || e.outbox(t, q.ID, events.JobPipelineRewrite) != 2 {
		t.Fatalf("after retry: %s with %d rewrite jobs, want REWRITING and a second job", s, e.outbox(t, q.ID, events.JobPipelineRewrite))
	}
	_, err = e.svc.RetryPipeline(e.admin, q.ID)
	wantConflict(t, err, question.StatusREWRITING)
	_, err = e.svc.RetryPipeline(cctx, q.ID)
	wantCode(t, err, errs.Forbidden)
}

func TestPipelineSkipsPastTheDailyTokenBudget(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	budget := int64(25)
	if _, err := e.settings.Update(e.admin, settings.Patch{AIDailyTokenBudget: &budget}); err != nil {
		t.Fatal(err)
	}
	first := e.submitOnly(t, cctx)
	e.runStage(t, first.ID, questions.StageDraft, questions.StageResult{Text: aiText("one"), PromptTokens: 10, CompletionTokens: 20})

	second := e.submitOnly(t, cctx)
	if w, err := e.svc.StartStage(context.Background(), second.ID, questions.StageDraft); w != nil || err != nil {
		t.Fatalf("StartStage past the budget = %v, %v; want nothing to do", w, err)
	}
	got := e.question(t, second.ID)
	if got.Status != question.StatusAWAITING_EXPERT || *got.PipelineStatus != question.PipelineStatusSKIPPED || got.PipelineReason != questions.ReasonBudget {
		t.Fatalf("past the budget: %s, %s %q", got.Status, *got.PipelineStatus, got.PipelineReason)
	}
}

// Every answer the model gave counts towards the day's budget: a failed stage's, and the
// attempt a retry replaced, not only the stage's last; and on the day it was spent.
func TestTokensUsedTodayCountEveryAttempt(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	used := func(want int64) {
		t.Helper()
		if got, err := e.svc.TokensUsedToday(context.Background()); got != want || err != nil {
			t.Fatalf("TokensUsedToday = %d, %v; want %d", got, err, want)
		}
	}
	e.clock.advance(24 * time.Hour) // a day of its own, whatever the other tests spent
	q := e.submitOnly(t, cctx)
	e.runStage(t, q.ID, questions.StageDraft, questions.StageResult{Text: aiText("draft"), Model: "m", PromptTokens: 100, CompletionTokens: 50})
	used(150)

	w, err := e.svc.StartStage(context.Background(), q.ID, questions.StageRewrite)
	if err != nil || w == nil {
		t.Fatal(w, err)
	}
	cutOff := questions.StageResult{Model: "m", PromptTokens: 200, CompletionTokens: 400}
	if err := e.svc.FailStage(context.Background(), w, cutOff, "cut off"); err != nil {
		t.Fatal(err)
	}
	used(750)
	if _, err := e.svc.RetryPipeline(e.admin, q.ID); err != nil {
		t.Fatal(err)
	}
	used(750) // the failed attempt stays spent while the stage runs again
	e.runStage(t, q.ID, questions.StageRewrite, questions.StageResult{Text: aiText("rewrite"), Model: "m", PromptTokens: 200, CompletionTokens: 60})
	used(1010)
	if st := e.stages(t, q.ID)[questions.StageRewrite]; st.PromptTokens != 200 || st.CompletionTokens != 60 {
		t.Fatalf("the rewrite's stage shows %d+%d tokens, want its last attempt's 200+60", st.PromptTokens, st.CompletionTokens)
	}

	e.clock.advance(24 * time.Hour)
	used(0)
}

// TestPipelineIgnoresTheResultOfAReplacedAttempt: after the sweep and an admin's retry,
// the first attempt's draft arrives, before the retry's job started the stage and after.
// Neither ends the stage the retry runs; both count their tokens.
func TestPipelineIgnoresTheResultOfAReplacedAttempt(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	e.clock.advance(24 * time.Hour) // a day of its own, whatever the other tests spent
	q := e.submitOnly(t, cctx)
	replaced, err := e.svc.StartStage(context.Background(), q.ID, questions.StageDraft)
	if err != nil || replaced == nil {
		t.Fatal(replaced, err)
	}
	e.clock.advance(11 * time.Minute)
	if n, err := e.svc.RescueStalled(context.Background(), 10*time.Minute); n != 1 || err != nil {
		t.Fatalf("RescueStalled = %d, %v; want 1", n, err)
	}
	if _, err := e.svc.RetryPipeline(e.admin, q.ID); err != nil {
		t.Fatal(err)
	}
	late := questions.StageResult{Text: aiText("late"), Model: "m", PromptTokens: 10, CompletionTokens: 10}
	if err := e.svc.CompleteStage(context.Background(), replaced, late); err != nil {
		t.Fatal(err)
	}
	if got := e.question(t, q.ID); got.Status != question.StatusDRAFTING || len(e.aiRevisions(t, q.ID)) != 0 {
		t.Fatalf("the replaced attempt's draft, before the retry started: %s with %d revisions; want DRAFTING with none",
			got.Status, len(e.aiRevisions(t, q.ID)))
	}
	retry, err := e.svc.StartStage(context.Background(), q.ID, questions.StageDraft)
	if err != nil || retry == nil || retry.Attempt != 2 {
		t.Fatalf("the retry's StartStage = %+v, %v; want attempt 2", retry, err)
	}
	if err := e.svc.FailStage(context.Background(), replaced, late, "late failure"); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.CompleteStage(context.Background(), replaced, late); err != nil {
		t.Fatal(err)
	}
	if got := e.question(t, q.ID); got.Status != question.StatusDRAFTING || len(e.aiRevisions(t, q.ID)) != 0 {
		t.Fatalf("the replaced attempt's results while the retry runs: %s with %d revisions; want DRAFTING with none",
			got.Status, len(e.aiRevisions(t, q.ID)))
	}
	if err := e.svc.CompleteStage(context.Background(), retry, questions.StageResult{Text: aiText("retry"), Model: "m", PromptTokens: 1, CompletionTokens: 1}); err != nil {
		t.Fatal(err)
	}
	got := e.question(t, q.ID)
	if revs := e.aiRevisions(t, q.ID); got.Status != question.StatusREWRITING || len(revs) != 1 || revs[0].Body != aiText("retry") {
		t.Fatalf("after the retry's draft: %s with %d revisions; want REWRITING with the retry's draft", got.Status, len(revs))
	}
	if used, err := e.svc.TokensUsedToday(context.Background()); used != 62 || err != nil {
		t.Fatalf("TokensUsedToday = %d, %v; want 62, every answer counted", used, err)
	}
}

func TestPipelineRescuesAQuestionStuckInAStage(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	q := e.submitOnly(t, cctx)
	if w, err := e.svc.StartStage(context.Background(), q.ID, questions.StageDraft); w == nil || err != nil {
		t.Fatal(w, err)
	}
	if n, err := e.svc.RescueStalled(context.Background(), 10*time.Minute); n != 0 || err != nil {
		t.Fatalf("RescueStalled before the deadline = %d, %v", n, err)
	}
	e.clock.advance(11 * time.Minute)
	if n, err := e.svc.RescueStalled(context.Background(), 10*time.Minute); n != 1 || err != nil {
		t.Fatalf("RescueStalled after the deadline = %d, %v; want 1", n, err)
	}
	got := e.question(t, q.ID)
	if got.Status != question.StatusAWAITING_EXPERT || *got.PipelineStatus != question.PipelineStatusFAILED {
		t.Fatalf("rescued: %s, %s", got.Status, *got.PipelineStatus)
	}
}

func TestSubmitAnswerRecordsProvenanceAndRefusesCopies(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	first := e.claimed(t, cctx, xctx)
	answer := "Integrate term by term: the integral of x is x squared over two, plus a constant of integration, because the derivative of x squared over two is x."
	if _, err := e.svc.SubmitAnswer(xctx, first.ID, answer, nil); err != nil {
		t.Fatal(err)
	}

	second := e.claimed(t, cctx, xctx)
	_, err := e.svc.SubmitAnswer(xctx, second.ID, answer, nil)
	wantCode(t, err, errs.Unoriginal)
	var coded *errs.Error
	if !errors.As(err, &coded) || coded.Extensions["originality"] == nil {
		t.Fatalf("UNORIGINAL without extensions.originality: %v", err)
	}
	if s := e.status(t, second.ID); s != question.StatusCLAIMED {
		t.Fatalf("refused answer changed the question: %s", s)
	}

	// basedOn must be a revision of this very question.
	firstRev := e.aiRevisions(t, first.ID)[0]
	_, err = e.svc.SubmitAnswer(xctx, second.ID, "Something else entirely.", &firstRev.ID)
	wantCode(t, err, errs.BadUserInput)
}

// runPipeline runs the three stages of question id as the workers do, the model writing
// draft and rewrite.
func (e *env) runPipeline(tb testing.TB, id uuid.UUID, draft, rewrite string) *ent.AnswerRevision {
	tb.Helper()
	e.runStage(tb, id, questions.StageDraft, questions.StageResult{Text: draft, Model: "m"})
	e.runStage(tb, id, questions.StageRewrite, questions.StageResult{Text: rewrite, Model: "m"})
	check, err := e.svc.StartStage(context.Background(), id, questions.StageCheck)
	if err != nil || check == nil {
		tb.Fatalf("StartStage(CHECK) = %v, %v", check, err)
	}
	res, err := originality.Check(sys, e.db.Client, id, check.Answer.Body)
	if err != nil {
		tb.Fatal(err)
	}
	if err := e.svc.CompleteStage(context.Background(), check, questions.StageResult{Originality: &res}); err != nil {
		tb.Fatal(err)
	}
	revs := e.aiRevisions(tb, id)
	return revs[len(revs)-1]
}

// scoreOf is a revision's originality score, or "none".
func scoreOf(r *ent.AnswerRevision) any {
	if r.OriginalityScore == nil {
		return "none"
	}
	return *r.OriginalityScore
}

// TestOnlyDeliveredAnswersMakeAnAnswerUnoriginal: two clients ask alike and the model
// answers both alike; the first cancels. Its AI versions, which no client received, do
// not make the second question's rewrite, or the expert's edit of it, unoriginal. An
// answer delivered to a client does.
func TestOnlyDeliveredAnswersMakeAnAnswerUnoriginal(t *testing.T) {
	e := newEnv(t)
	_, firstClient := e.client(t, 100)
	_, secondClient := e.client(t, 100)
	_, xctx := e.expert(t)
	draft, rewrite := aiText("the power rule for the derivative"), aiText("the power rule, in plain words,")

	first := e.submitOnly(t, firstClient)
	e.runPipeline(t, first.ID, draft, rewrite)
	if _, err := e.svc.Cancel(firstClient, first.ID); err != nil {
		t.Fatal(err)
	}
	second := e.submitOnly(t, secondClient)
	rw := e.runPipeline(t, second.ID, draft, rewrite)
	if rw.Kind != answerrevision.KindREWRITE || rw.OriginalityScore == nil || *rw.OriginalityScore != 1 {
		t.Fatalf("second rewrite %s scored %v; want 1, the first question's machine text not counting", rw.Kind, scoreOf(rw))
	}
	if _, err := e.svc.Claim(xctx, second.ID); err != nil {
		t.Fatal(err)
	}
	edited := rewrite + " Ask again if a step is unclear."
	if _, err := e.svc.SubmitAnswer(xctx, second.ID, edited, &rw.ID); err != nil {
		t.Fatalf("the expert's edit of the rewrite: %v; want it delivered", err)
	}

	// The delivered answer counts: the same machine text for a third question scores 0
	// against it, and delivering it unchanged is refused.
	third := e.submitOnly(t, firstClient)
	rw = e.runPipeline(t, third.ID, draft, rewrite)
	if rw.OriginalityScore == nil || *rw.OriginalityScore > 0.2 {
		t.Fatalf("third rewrite scored %v; want near 0 against the delivered answer", scoreOf(rw))
	}
	if _, err := e.svc.Claim(xctx, third.ID); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.SubmitAnswer(xctx, third.ID, rewrite, &rw.ID)
	wantCode(t, err, errs.Unoriginal)
}

func TestChangeRatio(t *testing.T) {
	for _, c := range []struct {
		before, after string
		want          float64
	}{
		{"a b c d", "a b c d", 0},
		{"a b c d", "w x y z", 1},
		{"a b c d", "a b x d", 0.25},
		{"", "new words", 1},
	} {
		if got := questions.ChangeRatio(c.before, c.after); got != c.want {
			t.Errorf("ChangeRatio(%q, %q) = %v, want %v", c.before, c.after, got, c.want)
		}
	}
}

// TestPipelineStagesRunOnOneConnection runs every pipeline step on a pool of one
// connection with a cold settings cache and a spent budget check: no step may need a
// second connection while its transaction holds the only one.
func TestPipelineStagesRunOnOneConnection(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	budget := int64(1_000_000)
	if _, err := e.settings.Update(e.admin, settings.Patch{AIDailyTokenBudget: &budget}); err != nil {
		t.Fatal(err)
	}
	done, failed := e.submitOnly(t, cctx), e.submitOnly(t, cctx)
	e.db.SQL.SetMaxOpenConns(1)
	step := func(name string, fn func(ctx context.Context) error) {
		t.Helper()
		e.settings.Invalidate()
		ctx, cancel := context.WithTimeout(context.Background(), stepTimeout)
		defer cancel()
		if err := fn(ctx); err != nil {
			t.Fatalf("%s on one connection: %v", name, err)
		}
	}
	for _, st := range []questions.Stage{questions.StageDraft, questions.StageRewrite, questions.StageCheck} {
		step(string(st), func(ctx context.Context) error {
			w, err := e.svc.StartStage(ctx, done.ID, st)
			if err != nil {
				return err
			}
			res := questions.StageResult{Text: aiText(string(st)), PromptTokens: 1}
			if st == questions.StageCheck {
				r, err := originality.Check(sys, e.db.Client, done.ID, w.Answer.Body)
				if err != nil {
					return err
				}
				res = questions.StageResult{Originality: &r}
			}
			return e.svc.CompleteStage(ctx, w, res)
		})
	}
	step("fail", func(ctx context.Context) error {
		w, err := e.svc.StartStage(ctx, failed.ID, questions.StageDraft)
		if err != nil {
			return err
		}
		return e.svc.FailStage(ctx, w, questions.StageResult{}, "provider down")
	})
	step("retry", func(ctx context.Context) error { _, err := e.svc.RetryPipeline(e.admin, failed.ID); return err })
	step("skip", func(ctx context.Context) error {
		return e.svc.SkipPipeline(ctx, failed.ID, questions.StageDraft, questions.ReasonNoProvider)
	})
	e.clock.advance(time.Hour)
	step("rescue", func(ctx context.Context) error { _, err := e.svc.RescueStalled(ctx, time.Minute); return err })
	if s := e.status(t, done.ID); s != question.StatusAWAITING_EXPERT {
		t.Fatalf("status = %s, want AWAITING_EXPERT", s)
	}
}

// TestARevisionOfAnAIAssistedAnswerStaysAIAssisted: the expert delivers their edit of the
// rewrite, then a revision based on that answer of theirs, then one based on nothing:
// the text the client reads is still mostly the AI's, and aiAssisted stays true. An
// answer written from scratch stays unassisted through its revision.
func TestARevisionOfAnAIAssistedAnswerStaysAIAssisted(t *testing.T) {
	e := newEnv(t)
	_, cctx := e.client(t, 100)
	_, xctx := e.expert(t)
	expertRevision := func(id uuid.UUID) *ent.AnswerRevision {
		t.Helper()
		var last *ent.AnswerRevision
		for _, r := range e.aiRevisions(t, id) {
			if r.Kind == answerrevision.KindEXPERT {
				last = r
			}
		}
		return last
	}
	deliver := func(id uuid.UUID, body string, basedOn *uuid.UUID, want bool) {
		t.Helper()
		got, err := e.svc.SubmitAnswer(xctx, id, body, basedOn)
		if err != nil {
			t.Fatalf("SubmitAnswer: %v", err)
		}
		if got.AiAssisted != want {
			t.Fatalf("delivered answer %q: aiAssisted %v, want %v", body, got.AiAssisted, want)
		}
	}
	revise := func(id uuid.UUID) {
		t.Helper()
		if _, err := e.svc.RequestRevision(cctx, id, "one more sentence, please"); err != nil {
			t.Fatal(err)
		}
	}

	q := e.submitOnly(t, cctx)
	rw := e.runPipeline(t, q.ID, aiText("the integral of x"), aiText("the integral of x, in plain words,"))
	if _, err := e.svc.Claim(xctx, q.ID); err != nil {
		t.Fatal(err)
	}
	edited := rw.Body + " The constant matters."
	deliver(q.ID, edited, &rw.ID, true)
	revise(q.ID)
	own := expertRevision(q.ID).ID
	deliver(q.ID, edited+" Check it by differentiating.", &own, true)
	revise(q.ID)
	deliver(q.ID, edited+" Check it by differentiating, term by term.", nil, true)

	scratch := e.claimed(t, cctx, xctx)
	deliver(scratch.ID, "x^2/2 + C, for any constant C.", nil, false)
	revise(scratch.ID)
	own = expertRevision(scratch.ID).ID
	deliver(scratch.ID, "x^2/2 + C, for any constant C: differentiate it to check.", &own, false)
}
