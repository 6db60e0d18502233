package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"backbone/internal/ai/aitest"
	"backbone/internal/queue"
)

// The draft and the rewrite the fake provider writes: the rewrite keeps the draft's
// number and link, so that it passes the rewrite guards.
const (
	plDraft   = "Rayleigh scattering makes the sky blue: air molecules scatter short wavelengths, about 450 nm, far more than long ones. See https://en.wikipedia.org/wiki/Rayleigh_scattering for the derivation and the details."
	plRewrite = "The sky looks blue because of Rayleigh scattering. Air molecules scatter short wavelengths, about 450 nm, much more than long ones. The derivation and the details are at https://en.wikipedia.org/wiki/Rayleigh_scattering."
)

// plAnswers makes the provider answer drafts with plDraft and rewrites with plRewrite.
func plAnswers(r aitest.Request) aitest.Reply {
	if strings.Contains(r.Content("user"), plDraft) {
		return aitest.Reply{Text: plRewrite, PromptTokens: 200, CompletionTokens: 60}
	}
	return aitest.Reply{Text: plDraft, PromptTokens: 120, CompletionTokens: 50}
}

// TestPipelineEndToEnd runs the API and the workers as production does, apart, on
// PostgreSQL, RabbitMQ and Redis: a submitted question passes DRAFTING, REWRITING and
// CHECKING, seen live on questionUpdated, to AWAITING_EXPERT; the expert who claims it
// sees the AI draft and rewrite, the client never does; an answer based on the rewrite
// is delivered with its provenance.
func TestPipelineEndToEnd(t *testing.T) {
	t.Parallel()
	provider := plProvider(t)
	provider.Handle(plAnswers)
	env := plEnv(t, provider, nil)
	w := newAzWorld(t, withDefaults(map[string]string{"RUN_WORKERS": "false"}, env))
	client, expert, admin := w.callers[azClient], w.callers[azExpert], w.callers[azAdmin]

	// With no worker running yet the job waits in the outbox: the subscription sees the
	// question as submitted, then every stage.
	q := w.qfSubmit(t, client)
	stream := lvSubscribe(t, w, client.Token, `subscription($id: ID!) { questionUpdated(id: $id) { status } }`, map[string]any{"id": q.ID})
	waitSubscribed(t, w)
	plWorkers(t, env)

	var seen []string
	for !slices.Contains(seen, "AWAITING_EXPERT") {
		var ev struct{ QuestionUpdated struct{ Status string } }
		stream.event(t, &ev)
		if len(seen) == 0 || seen[len(seen)-1] != ev.QuestionUpdated.Status {
			seen = append(seen, ev.QuestionUpdated.Status)
		}
	}
	if want := []string{"SUBMITTED", "DRAFTING", "REWRITING", "CHECKING", "AWAITING_EXPERT"}; !slices.Equal(seen, want) {
		t.Fatalf("questionUpdated statuses %v, want %v", seen, want)
	}

	// The client sees the pipeline's progress, never the AI versions nor models.
	cq := w.plRead(t, client.Token, q.ID)
	if cq.Pipeline == nil || cq.Pipeline.Status != "DONE" || len(cq.Pipeline.Stages) != 3 || len(cq.Revisions) != 0 {
		t.Fatalf("client's view: %+v", cq)
	}
	for _, st := range cq.Pipeline.Stages {
		if st.Status != "DONE" || st.Model != nil || st.PromptTokens != nil || st.Error != nil {
			t.Fatalf("client sees stage %+v", st)
		}
	}

	w.qfClaim(t, expert, q.ID)
	xq := w.plRead(t, expert.Token, q.ID)
	if got := plKinds(xq.Revisions); !slices.Equal(got, []string{"AI_DRAFT", "REWRITE"}) {
		t.Fatalf("expert's revisions %v, want AI_DRAFT and REWRITE", got)
	}
	draft, rewrite := xq.Revisions[0], xq.Revisions[1]
	if draft.Body != plDraft || rewrite.Body != plRewrite {
		t.Fatalf("AI versions %q / %q", draft.Body, rewrite.Body)
	}
	if rewrite.OriginalityScore == nil || *rewrite.OriginalityScore != 1 {
		t.Fatalf("rewrite's originality %v, want 1 (no other answer on the platform)", rewrite.OriginalityScore)
	}
	stages := xq.Pipeline.Stages
	if stages[0].Model == nil || *stages[0].Model != "fake-draft" || *stages[1].Model != "fake-rewrite" ||
		*stages[0].CompletionTokens != 50 || *stages[1].PromptTokens != 200 || stages[0].Error != nil {
		t.Fatalf("expert's stages %+v", stages)
	}

	// The expert edits the rewrite; the client sees the answer, marked AI-assisted.
	edited := strings.Replace(plRewrite, "much more", "far more", 1) + " Sunsets are red for the same reason."
	var sub struct{ SubmitAnswer struct{ Status string } }
	w.mustGQL(t, expert.Token, `mutation($id: ID!, $b: String!, $on: ID) { submitAnswer(id: $id, body: $b, basedOn: $on) { status } }`,
		map[string]any{"id": q.ID, "b": edited, "on": rewrite.ID}, &sub)
	cq = w.plRead(t, client.Token, q.ID)
	if cq.Status != "DELIVERED" || !cq.AIAssisted || cq.Answer == nil || cq.Answer.Body != edited || !slices.Equal(plKinds(cq.Revisions), []string{"EXPERT"}) {
		t.Fatalf("client's delivered view: %+v", cq)
	}
	if cq.Answer.BasedOn != nil || cq.Answer.OriginalityScore != nil {
		t.Fatalf("client sees the AI provenance or the score: %+v", cq.Answer)
	}
	// The expert who delivered no longer holds the question: the scores, model and tokens
	// are gone from their view (the schema: "only for the expert who holds the question").
	xq = w.plRead(t, expert.Token, q.ID)
	for _, r := range xq.Revisions {
		if r.OriginalityScore != nil || r.OriginalityMatches != nil {
			t.Fatalf("the expert sees the originality of %s after delivery: %+v", r.Kind, r)
		}
	}
	for _, st := range xq.Pipeline.Stages {
		if st.Model != nil || st.PromptTokens != nil {
			t.Fatalf("the expert sees stage %s's model after delivery: %+v", st.Stage, st)
		}
	}
	aq := w.plRead(t, admin.Token, q.ID)
	if aq.Revisions[1].OriginalityScore == nil || aq.Pipeline.Stages[0].Model == nil {
		t.Fatalf("admin's view after delivery: %+v", aq)
	}
	answer := aq.Revisions[len(aq.Revisions)-1]
	if answer.BasedOn == nil || answer.BasedOn.ID != rewrite.ID || answer.BasedOn.Kind != "REWRITE" ||
		answer.ChangeRatio == nil || *answer.ChangeRatio <= 0 || *answer.ChangeRatio >= 0.5 {
		t.Fatalf("admin's view of the answer: %+v", answer)
	}

	// What the provider received: the question delimited, no secret.
	reqs := provider.Requests()
	if len(reqs) != 2 {
		t.Fatalf("provider calls = %d, want 2 (one draft, one rewrite)", len(reqs))
	}
	for _, r := range reqs {
		text := r.Text()
		if strings.Contains(text, plAPIKey) || strings.Contains(text, testJWTSecret) || strings.Contains(text, client.Token) {
			t.Fatalf("a secret reached the prompt: %s", text)
		}
		if r.Header.Get("Authorization") != "Bearer "+plAPIKey {
			t.Fatalf("Authorization header %q", r.Header.Get("Authorization"))
		}
	}
	if user := reqs[0].Content("user"); !strings.Contains(user, "Explain Rayleigh scattering.") || !strings.Contains(user, "<question") {
		t.Fatalf("the draft prompt does not delimit the question: %s", user)
	}
}

// waitSubscribed waits until the server holds a live subscription: an event published
// before it subscribed to the bus would not be replayed.
func waitSubscribed(t *testing.T, w *azWorld) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for mpGauge(t, w.ts, "websocket_shared_subscribers") < 1 {
		if time.Now().After(deadline) {
			t.Fatal("the subscription is not live after 20s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPipelineProviderDownSendsTheQuestionToTheExperts: a provider that answers 500 is
// retried up to AI_MAX_ATTEMPTS, then the question goes to the experts with the pipeline
// FAILED and the reason; admins see the stage's error.
func TestPipelineProviderDownSendsTheQuestionToTheExperts(t *testing.T) {
	t.Parallel()
	provider := plProvider(t)
	provider.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Status: 500} })
	w := newAzWorld(t, plEnv(t, provider, nil))
	q := w.qfSubmit(t, w.callers[azClient])
	got := w.plQueued(t, w.callers[azAdmin].Token, q.ID)
	if got.Pipeline == nil || got.Pipeline.Status != "FAILED" || got.Pipeline.Reason == nil {
		t.Fatalf("pipeline %+v, want FAILED with a reason", got.Pipeline)
	}
	st := got.Pipeline.Stages
	if st[0].Status != "FAILED" || st[0].Error == nil || st[1].Status != "SKIPPED" || st[2].Status != "SKIPPED" {
		t.Fatalf("stages %+v", st)
	}
	if n := provider.Count(); n != 2 {
		t.Fatalf("provider calls = %d, want 2 (AI_MAX_ATTEMPTS)", n)
	}
	if strings.Contains(*got.Pipeline.Reason, plAPIKey) {
		t.Fatalf("reason shows the key: %s", *got.Pipeline.Reason)
	}
	// The client reads which stage failed, not the provider's error (admins only).
	var mine struct{ Question plQuestion }
	w.mustGQL(t, w.callers[azClient].Token, plQuestionQuery, map[string]any{"id": q.ID}, &mine)
	if p := mine.Question.Pipeline; p == nil || p.Reason == nil || *p.Reason != "the AI draft failed" || p.Stages[0].Error != nil {
		t.Fatalf("the client's pipeline %+v, want reason %q and no stage error", p, "the AI draft failed")
	}
	// The expert queue has it.
	var tasks struct {
		AvailableTasks struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	w.mustGQL(t, w.callers[azExpert].Token, `{ availableTasks(first: 50) { edges { node { id } } } }`, nil, &tasks)
	if !slices.ContainsFunc(tasks.AvailableTasks.Edges, func(e struct{ Node struct{ ID string } }) bool { return e.Node.ID == q.ID }) {
		t.Fatalf("the failed question is not in the experts' queue")
	}
}

// TestPipelineWithoutProviderIsSkippedVisibly: the embedded default has no provider; the
// question goes to the experts at once, its pipeline SKIPPED with the reason.
func TestPipelineWithoutProviderIsSkippedVisibly(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	q := w.qfSubmit(t, w.callers[azClient])
	got := w.plQueued(t, w.callers[azClient].Token, q.ID)
	if got.Pipeline == nil || got.Pipeline.Status != "SKIPPED" || got.Pipeline.Reason == nil || *got.Pipeline.Reason != "no AI provider configured" {
		t.Fatalf("pipeline %+v", got.Pipeline)
	}
	var info struct {
		ServerInfo struct {
			Components []struct{ Name, Mode, Driver string }
		}
	}
	w.mustGQL(t, "", `{ serverInfo { components { name mode driver } } }`, nil, &info)
	if !slices.Contains(info.ServerInfo.Components, struct{ Name, Mode, Driver string }{"ai", "NONE", "none"}) {
		t.Fatalf("serverInfo components %+v, want ai NONE", info.ServerInfo.Components)
	}
}

// TestPipelineBudgetSkipsTheAIStages: past aiDailyTokenBudget, new questions skip the
// AI stages with the reason "budget".
func TestPipelineBudgetSkipsTheAIStages(t *testing.T) {
	t.Parallel()
	provider := plProvider(t)
	provider.Handle(plAnswers)
	w := newAzWorld(t, plEnv(t, provider, nil))
	var set struct {
		UpdateSettings struct{ AiDailyTokenBudget int }
	}
	w.mustGQL(t, w.callers[azAdmin].Token, `mutation { updateSettings(input: {aiDailyTokenBudget: 100}) { aiDailyTokenBudget } }`, nil, &set)
	first := w.qfSubmit(t, w.callers[azClient])
	if got := w.plQueued(t, w.callers[azAdmin].Token, first.ID); got.Pipeline.Status != "DONE" {
		t.Fatalf("first question's pipeline %+v, want DONE within the budget", got.Pipeline)
	}
	second := w.qfSubmit(t, w.callers[azClient])
	got := w.plQueued(t, w.callers[azAdmin].Token, second.ID)
	if got.Pipeline.Status != "SKIPPED" || got.Pipeline.Reason == nil || *got.Pipeline.Reason != "budget" {
		t.Fatalf("second question's pipeline %+v, want SKIPPED for the budget", got.Pipeline)
	}
	if n := provider.Count(); n != 2 {
		t.Fatalf("provider calls = %d, want 2 (the first question only)", n)
	}
}

// TestPipelineCancelledMidStageStopsWithItsRefund: the client cancels while the draft is
// being written; the question stays cancelled and refunded, and no AI version is kept.
func TestPipelineCancelledMidStageStopsWithItsRefund(t *testing.T) {
	t.Parallel()
	provider := plProvider(t)
	release := make(chan struct{})
	provider.Handle(func(r aitest.Request) aitest.Reply {
		<-release
		return plAnswers(r)
	})
	w := newAzWorld(t, plEnv(t, provider, nil))
	client := w.callers[azClient]
	q := w.qfSubmit(t, client)
	w.plAwait(t, client.Token, q.ID, "DRAFTING with the provider called", func(q plQuestion) bool {
		return q.Status == "DRAFTING" && provider.InFlight() == 1
	})
	var out struct{ CancelQuestion struct{ Status string } }
	w.mustGQL(t, client.Token, `mutation($id: ID!) { cancelQuestion(id: $id) { status } }`, map[string]any{"id": q.ID}, &out)
	close(release)
	w.plAwait(t, w.callers[azAdmin].Token, q.ID, "the provider's answer returned", func(plQuestion) bool { return provider.InFlight() == 0 })
	// The worker stores its result, or not, right after the answer; a second job (if any
	// were queued) would call the provider again.
	time.Sleep(time.Second)
	got := w.plRead(t, w.callers[azAdmin].Token, q.ID)
	if got.Status != "CANCELLED" || len(got.Revisions) != 0 || got.Pipeline.Status != "SKIPPED" || provider.Count() != 1 {
		t.Fatalf("after the cancel: %s with %d revisions, pipeline %+v, %d provider calls", got.Status, len(got.Revisions), got.Pipeline, provider.Count())
	}
	var wallet struct{ Wallet struct{ Balance, Held int } }
	w.mustGQL(t, client.Token, `{ wallet { balance held } }`, nil, &wallet)
	if wallet.Wallet.Held != 0 || wallet.Wallet.Balance != qfPrice {
		t.Fatalf("wallet %+v, want the price back", wallet.Wallet)
	}
}

// TestCopiedExpertAnswerIsRefused: an expert answer that copies another question's
// answer is refused with UNORIGINAL and how much overlaps, never the other text.
func TestCopiedExpertAnswerIsRefused(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	client, expert := w.callers[azClient], w.callers[azExpert]
	first := w.qfClaimed(t, client, expert)
	w.qfAnswer(t, expert, first, plDraft)
	second := w.qfClaimed(t, client, expert)
	status, r := w.gql(t, expert.Token, `mutation($id: ID!, $b: String!) { submitAnswer(id: $id, body: $b) { status } }`,
		map[string]any{"id": second, "b": "Here it is. " + plDraft})
	if status != 200 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "UNORIGINAL" {
		t.Fatalf("copied answer: %d %v", status, r.Errors)
	}
	orig, _ := json.Marshal(r.Errors[0].Extensions["originality"])
	if !strings.Contains(string(orig), `"score"`) || strings.Contains(r.Errors[0].Message, "Rayleigh") {
		t.Fatalf("refusal %s: %s", r.Errors[0].Message, orig)
	}
	if got := w.qfQuestion(t, expert.Token, second); got.Status != "CLAIMED" {
		t.Fatalf("refused answer changed the question: %s", got.Status)
	}
	// An answer of its own is delivered, with its score (for admins: the expert no
	// longer holds the question).
	w.qfAnswer(t, expert, second, "Blue light has a shorter wavelength, so the atmosphere scatters it across the whole sky much more strongly than red light.")
	got := w.plRead(t, w.callers[azAdmin].Token, second)
	if got.Status != "DELIVERED" || got.Answer == nil || got.Answer.OriginalityScore == nil || *got.Answer.OriginalityScore != 1 {
		t.Fatalf("own answer: %+v", got)
	}
	if got := w.plRead(t, expert.Token, second); got.Answer == nil || got.Answer.OriginalityScore != nil {
		t.Fatalf("the expert's view of their delivered answer: %+v", got.Answer)
	}
}

// TestDeadJobsAreListedAndReplayed: a job that can never succeed (a pipeline job naming
// no question) is dead-lettered on RabbitMQ; an admin lists it and puts it back, and it
// runs again as a first attempt.
func TestDeadJobsAreListedAndReplayed(t *testing.T) {
	t.Parallel()
	env := plEnv(t, plProvider(t), nil)
	w := newAzWorld(t, env)
	q, err := queue.NewAMQP(context.Background(), env["AMQP_URL"], slog.New(slog.DiscardHandler), queue.WithPrefix(env["NAMESPACE"]))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = q.Close() })
	if err := q.Publish(context.Background(), "pipeline.draft", "bad-job", []byte(`{"questionId":null}`)); err != nil {
		t.Fatal(err)
	}
	admin := w.callers[azAdmin].Token
	type deadJob struct {
		Topic, ID, Reason, Payload string
		Attempts                   int
	}
	list := func() []deadJob {
		var out struct{ DeadJobs []deadJob }
		w.mustGQL(t, admin, `query($t: String) { deadJobs(topic: $t) { topic id attempts reason payload } }`, map[string]any{"t": "pipeline.draft"}, &out)
		return out.DeadJobs
	}
	deadline := time.Now().Add(30 * time.Second)
	for len(list()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the bad job was not dead-lettered within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	dead := list()
	if len(dead) != 1 || dead[0].ID != "bad-job" || dead[0].Attempts != 1 || !strings.Contains(dead[0].Reason, "bad payload") {
		t.Fatalf("dead jobs %+v", dead)
	}
	var all struct{ DeadJobs []deadJob }
	w.mustGQL(t, admin, `{ deadJobs { id } }`, nil, &all)
	if len(all.DeadJobs) != 1 {
		t.Fatalf("every topic's dead jobs: %+v", all.DeadJobs)
	}
	status, r := w.gql(t, admin, `{ deadJobs(topic: "no.such.topic") { id } }`, nil)
	if status != 200 || len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Fatalf("unknown topic: %d %v", status, r.Errors)
	}

	var replay struct{ ReplayDeadJob bool }
	w.mustGQL(t, admin, `mutation { replayDeadJob(topic: "pipeline.draft", id: "bad-job") }`, nil, &replay)
	if !replay.ReplayDeadJob {
		t.Fatal("replayDeadJob = false for a listed job")
	}
	w.mustGQL(t, admin, `mutation { replayDeadJob(topic: "pipeline.draft", id: "no-such-job") }`, nil, &replay)
	if replay.ReplayDeadJob {
		t.Fatal("replayDeadJob = true for a job that is not dead")
	}
	// It ran again, and can never succeed: it is back, once.
	deadline = time.Now().Add(30 * time.Second)
	for len(list()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the replayed job did not come back within 30s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	if dead := list(); len(dead) != 1 || dead[0].ID != "bad-job" {
		t.Fatalf("after the replay: %+v", dead)
	}
}
