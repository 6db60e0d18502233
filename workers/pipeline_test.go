package workers

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/pipelinestage"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/ai"
	"backbone/internal/ai/aitest"
	"backbone/internal/dbtest"
	"backbone/internal/events"
	"backbone/internal/payment"
	"backbone/internal/questions"
	"backbone/internal/queue"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

// The pipeline's handlers, driven as the queue drives them: the real AI client against
// a fake provider (aitest), the questions service on a fresh PostgreSQL database.

var system = privacy.DecisionContext(context.Background(), privacy.Allow)

// pipelineEnv is the pipeline over a fresh database and a fake provider.
type pipelineEnv struct {
	p        *Pipeline
	provider *aitest.Server
	client   *ent.Client
	svc      *questions.Service
	asker    context.Context // a client with credits
	admin    context.Context
}

func newPipelineEnv(t *testing.T, change func(*ai.Config)) *pipelineEnv {
	t.Helper()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	dev, err := payment.NewDevProvider("development")
	if err != nil {
		t.Fatal(err)
	}
	w, err := wallet.NewService(wallet.Deps{Client: d.Client, Provider: dev}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := questions.New(questions.Deps{DB: d, Wallet: w, Settings: settings.New(settings.Deps{DB: d}, settings.Options{})}, questions.Options{})

	provider := aitest.New()
	t.Cleanup(provider.Close)
	cfg := ai.Config{BaseURL: provider.URL(), Model: "fake-draft", RewriteModel: "fake-rewrite", Timeout: 10 * time.Second,
		MaxAttempts: 3, RetryWait: time.Millisecond, BreakerCooldown: time.Hour}
	if change != nil {
		change(&cfg)
	}
	model, err := ai.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}

	newUser := func(role user.Role) context.Context {
		u, err := d.Client.User.Create().SetEmail(testenv.RandomName("u") + "@example.com").SetDisplayName("Test").
			SetPasswordHash("unusable").SetRole(role).SetEmailVerified(true).Save(system)
		if err != nil {
			t.Fatal(err)
		}
		return viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: string(role)})
	}
	admin, asker := newUser(user.RoleADMIN), newUser(user.RoleCLIENT)
	p, _ := viewer.From(asker)
	if _, err := w.GrantCredits(admin, wallet.GrantInput{UserID: p.UserID, Amount: 1000, Reason: "test", IdempotencyKey: uuid.NewString()}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	return &pipelineEnv{p: &Pipeline{Questions: svc, AI: model, Client: d.Client, Log: log},
		provider: provider, client: d.Client, svc: svc, asker: asker, admin: admin}
}

// submit submits a question, whose pipeline waits for its draft job.
func (e *pipelineEnv) submit(t *testing.T) uuid.UUID {
	t.Helper()
	q, err := e.svc.Submit(e.asker, questions.SubmitInput{Subject: "Mathematics", Title: "Derivative",
		Body: "What is the derivative of x squared?", Urgency: question.UrgencyNORMAL, IdempotencyKey: uuid.NewString()})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return q.ID
}

// job is the pipeline job of topic for question id, as the queue delivers it.
func job(t *testing.T, topic string, id uuid.UUID) queue.Job {
	t.Helper()
	payload, err := json.Marshal(events.PipelineJob{QuestionID: id})
	if err != nil {
		t.Fatal(err)
	}
	return queue.Job{ID: uuid.NewString(), Topic: topic, Payload: payload, Attempt: 1}
}

func (e *pipelineEnv) question(t *testing.T, id uuid.UUID) *ent.Question {
	t.Helper()
	q, err := e.client.Question.Get(system, id)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func (e *pipelineEnv) stage(t *testing.T, id uuid.UUID, stage questions.Stage) *ent.PipelineStage {
	t.Helper()
	st, err := e.client.PipelineStage.Query().Where(pipelinestage.QuestionID(id), pipelinestage.StageEQ(stage)).Only(system)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func (e *pipelineEnv) revisions(t *testing.T, id uuid.UUID) []*ent.AnswerRevision {
	t.Helper()
	revs, err := e.client.AnswerRevision.Query().Where(answerrevision.QuestionID(id)).
		Order(ent.Asc(answerrevision.FieldCreatedAt)).All(system)
	if err != nil {
		t.Fatal(err)
	}
	return revs
}

// wantFailed checks that question id went to the experts with stage FAILED for a reason
// holding reason, and the stage's tokens recorded.
func (e *pipelineEnv) wantFailed(t *testing.T, id uuid.UUID, stage questions.Stage, reason string, tokens int) {
	t.Helper()
	q := e.question(t, id)
	if q.Status != question.StatusAWAITING_EXPERT || q.PipelineStatus == nil || *q.PipelineStatus != question.PipelineStatusFAILED {
		t.Fatalf("question %s, pipeline %v; want AWAITING_EXPERT with the pipeline FAILED", q.Status, q.PipelineStatus)
	}
	if !strings.Contains(q.PipelineReason, reason) {
		t.Errorf("pipeline reason %q; want it to say %q", q.PipelineReason, reason)
	}
	st := e.stage(t, id, stage)
	if st.Status != pipelinestage.StatusFAILED || st.PromptTokens+st.CompletionTokens != tokens {
		t.Errorf("stage %s %s with %d+%d tokens; want FAILED with %d", stage, st.Status, st.PromptTokens, st.CompletionTokens, tokens)
	}
}

func TestDraftTooLongToStoreFailsTheStageAtOnce(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	e.provider.Handle(func(aitest.Request) aitest.Reply {
		return aitest.Reply{Text: strings.Repeat("long ", 10001), PromptTokens: 100, CompletionTokens: 12000}
	})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatalf("Draft = %v; want the stage failed, not the job", err)
	}
	if n := e.provider.Count(); n != 1 {
		t.Errorf("%d provider calls; want 1", n)
	}
	e.wantFailed(t, id, questions.StageDraft, "more than the 50000 an answer may hold", 12100)
	if used, err := e.svc.TokensUsedToday(context.Background()); err != nil || used != 12100 {
		t.Errorf("tokens used today = %d, %v; want the unusable answer's 12100", used, err)
	}
}

func TestRewriteTooLongToStoreLeavesTheDraft(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	draft := strings.TrimSpace(strings.Repeat("word ", 8000)) // 40,000 bytes
	e.provider.Enqueue(aitest.Reply{Text: draft},
		// 51,000 bytes: within the guard's 1.6 times the draft's words, past what an answer may hold.
		aitest.Reply{Text: strings.Repeat("words ", 8500), PromptTokens: 10000, CompletionTokens: 9000})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Rewrite(context.Background(), job(t, events.JobPipelineRewrite, id)); err != nil {
		t.Fatalf("Rewrite = %v; want the draft to stand", err)
	}
	if n := e.provider.Count(); n != 2 {
		t.Errorf("%d provider calls; want the draft's and one rewrite", n)
	}
	q := e.question(t, id)
	st := e.stage(t, id, questions.StageRewrite)
	if q.Status != question.StatusCHECKING || st.Status != pipelinestage.StatusFAILED ||
		!strings.Contains(st.Error, "more than the 50000") || st.PromptTokens != 10000 || st.CompletionTokens != 9000 {
		t.Fatalf("question %s; rewrite stage %s %q with %d+%d tokens; want CHECKING, the stage FAILED saying why, with its tokens",
			q.Status, st.Status, st.Error, st.PromptTokens, st.CompletionTokens)
	}
	if revs := e.revisions(t, id); len(revs) != 1 || revs[0].Kind != answerrevision.KindAI_DRAFT {
		t.Fatalf("revisions %v; want the draft alone", revs)
	}
}

func TestDraftLosesTheControlCharactersAStoredAnswerMayNotHold(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	e.provider.Enqueue(aitest.Reply{Text: "The derivative\x00 of x\u00b2 is\x1b 2x.\r\nSo\tthe slope doubles x."})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatalf("Draft = %v", err)
	}
	revs := e.revisions(t, id)
	if len(revs) != 1 || revs[0].Body != "The derivative of x\u00b2 is 2x.\nSo\tthe slope doubles x." {
		t.Fatalf("revisions %v; want the draft without NUL, ESC or CR", revs)
	}
	if s := e.question(t, id).Status; s != question.StatusREWRITING {
		t.Fatalf("question %s; want REWRITING", s)
	}
}

func TestNegativeTokenCountsCountAsNone(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	e.provider.Enqueue(aitest.Reply{PromptTokens: -5, CompletionTokens: -7})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatalf("Draft = %v", err)
	}
	st := e.stage(t, id, questions.StageDraft)
	if st.Status != pipelinestage.StatusDONE || st.PromptTokens != 0 || st.CompletionTokens != 0 {
		t.Fatalf("draft stage %s with %d+%d tokens; want DONE with none", st.Status, st.PromptTokens, st.CompletionTokens)
	}
}

// TestResultTheDatabaseRefusesFailsTheStage gives run a result no check before the
// database caught: the stage fails with the reason instead of the job being retried.
func TestResultTheDatabaseRefusesFailsTheStage(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	calls := 0
	err := e.p.run(context.Background(), job(t, events.JobPipelineDraft, id), questions.StageDraft,
		func(context.Context, *questions.StageWork) (questions.StageResult, error) {
			calls++
			return questions.StageResult{Text: strings.Repeat("x", 50001), Model: "m", PromptTokens: 3, CompletionTokens: 4}, nil
		})
	if err != nil || calls != 1 {
		t.Fatalf("run = %v after %d calls; want the stage failed, not the job", err, calls)
	}
	e.wantFailed(t, id, questions.StageDraft, "AnswerRevision.body", 7)

	// Nor does a result whose usage the database refuses stop the failure being recorded.
	id = e.submit(t)
	err = e.p.run(context.Background(), job(t, events.JobPipelineDraft, id), questions.StageDraft,
		func(context.Context, *questions.StageWork) (questions.StageResult, error) {
			return questions.StageResult{Text: "A short answer.", Model: "m", PromptTokens: -3, CompletionTokens: 4}, nil
		})
	if err != nil {
		t.Fatalf("run = %v; want the stage failed, not the job", err)
	}
	e.wantFailed(t, id, questions.StageDraft, "PipelineStage.prompt_tokens", 4)
}

func TestDraftCutOffAtTheOutputLimitFailsTheStage(t *testing.T) {
	e := newPipelineEnv(t, func(c *ai.Config) { c.MaxOutputTokens = 50 })
	id := e.submit(t)
	e.provider.Handle(func(aitest.Request) aitest.Reply {
		return aitest.Reply{Text: "The derivative of x squared is", FinishReason: "length", PromptTokens: 80, CompletionTokens: 50}
	})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatalf("Draft = %v; want the stage failed, not the job", err)
	}
	if n := e.provider.Count(); n != 1 {
		t.Errorf("%d provider calls; want 1", n)
	}
	e.wantFailed(t, id, questions.StageDraft, "cut off at AI_MAX_OUTPUT_TOKENS (50)", 130)
	if revs := e.revisions(t, id); len(revs) != 0 {
		t.Fatalf("revisions %v; want none: a cut-off draft is no draft", revs)
	}
}

func TestFilteredRewriteLeavesTheDraft(t *testing.T) {
	e := newPipelineEnv(t, nil)
	id := e.submit(t)
	e.provider.Enqueue(aitest.Reply{}, aitest.Reply{Text: "This is an answer", FinishReason: "content_filter", PromptTokens: 60, CompletionTokens: 4})
	if err := e.p.Draft(context.Background(), job(t, events.JobPipelineDraft, id)); err != nil {
		t.Fatal(err)
	}
	if err := e.p.Rewrite(context.Background(), job(t, events.JobPipelineRewrite, id)); err != nil {
		t.Fatalf("Rewrite = %v; want the draft to stand", err)
	}
	if n := e.provider.Count(); n != 2 {
		t.Errorf("%d provider calls; want the draft's and one rewrite, not asked again", n)
	}
	q := e.question(t, id)
	st := e.stage(t, id, questions.StageRewrite)
	if q.Status != question.StatusCHECKING || st.Status != pipelinestage.StatusFAILED ||
		!strings.Contains(st.Error, "content filter stopped the answer") || st.PromptTokens != 60 {
		t.Fatalf("question %s; rewrite stage %s %q with %d prompt tokens; want CHECKING, the stage FAILED saying why, with its tokens",
			q.Status, st.Status, st.Error, st.PromptTokens)
	}
	if revs := e.revisions(t, id); len(revs) != 1 || revs[0].Kind != answerrevision.KindAI_DRAFT {
		t.Fatalf("revisions %v; want the draft alone", revs)
	}
}
