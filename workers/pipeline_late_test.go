package workers

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/pipelinestage"
	"backbone/ent/question"
	"backbone/internal/ai"
	"backbone/internal/ai/aitest"
	"backbone/internal/events"
	"backbone/internal/questions"
)

// Stage results that arrive late: the question left the stage while the model was
// answering, or an admin's retry started the stage again.

// heldReplies makes the provider hold each request until the test releases it:
// arrived says the number (from 1) of each request as it comes, release[n-1] is the
// reply to request n.
type heldReplies struct {
	arrived chan int
	release []chan aitest.Reply
}

func holdReplies(t *testing.T, e *pipelineEnv, n int) *heldReplies {
	h := &heldReplies{arrived: make(chan int, n), release: make([]chan aitest.Reply, n)}
	for i := range h.release {
		h.release[i] = make(chan aitest.Reply, 1)
	}
	t.Cleanup(func() { // a test that stopped early leaves no request held
		for _, r := range h.release {
			select {
			case r <- aitest.Reply{Status: 500}:
			default:
			}
		}
	})
	var count atomic.Int32
	e.provider.Handle(func(aitest.Request) aitest.Reply {
		n := int(count.Add(1))
		h.arrived <- n
		return <-h.release[n-1]
	})
	return h
}

// waitArrived waits for request n to reach the provider.
func (h *heldReplies) waitArrived(t *testing.T, n int) {
	t.Helper()
	if got := <-h.arrived; got != n {
		t.Fatalf("request %d reached the provider; want %d", got, n)
	}
}

// draftInBackground runs the draft job of question id; the returned channel gives its result.
func (e *pipelineEnv) draftInBackground(t *testing.T, id uuid.UUID) <-chan error {
	done := make(chan error, 1)
	j := job(t, events.JobPipelineDraft, id)
	go func() { done <- e.p.Draft(context.Background(), j) }()
	return done
}

func (e *pipelineEnv) wantTokensToday(t *testing.T, want int64) {
	t.Helper()
	if used, err := e.svc.TokensUsedToday(context.Background()); err != nil || used != want {
		t.Fatalf("tokens used today = %d, %v; want %d", used, err, want)
	}
}

// TestLateAnswersCountTowardsTheBudget: a draft the model finished after the client
// cancelled, and an unusable one it finished after the stage deadline sweep sent the
// question to the experts, store nothing but still count their tokens.
func TestLateAnswersCountTowardsTheBudget(t *testing.T) {
	e := newPipelineEnv(t, func(c *ai.Config) { c.MaxAttempts = 1 })
	held := holdReplies(t, e, 2)

	cancelled := e.submit(t)
	done := e.draftInBackground(t, cancelled)
	held.waitArrived(t, 1)
	if _, err := e.svc.Cancel(e.asker, cancelled); err != nil {
		t.Fatalf("Cancel while drafting: %v", err)
	}
	held.release[0] <- aitest.Reply{Text: "A late draft.", PromptTokens: 5000, CompletionTokens: 5000}
	if err := <-done; err != nil {
		t.Fatalf("Draft = %v", err)
	}
	if revs := e.revisions(t, cancelled); len(revs) != 0 {
		t.Fatalf("revisions %v; want none after the cancel", revs)
	}
	e.wantTokensToday(t, 10000)

	rescued := e.submit(t)
	done = e.draftInBackground(t, rescued)
	held.waitArrived(t, 2)
	if n, err := e.svc.RescueStalled(context.Background(), time.Nanosecond); n != 1 || err != nil {
		t.Fatalf("RescueStalled = %d, %v; want the drafting question", n, err)
	}
	held.release[1] <- aitest.Reply{Text: "Cut off", FinishReason: "length", PromptTokens: 300, CompletionTokens: 700}
	if err := <-done; err != nil {
		t.Fatalf("Draft = %v", err)
	}
	e.wantFailed(t, rescued, questions.StageDraft, "no progress within the stage deadline", 0)
	e.wantTokensToday(t, 11000)
}

// TestAttemptARetryReplacedEndsNothing: the draft's first call hangs, the deadline sweep
// sends the question to the experts and an admin runs the pipeline again. The first
// call's failure, arriving while the retry's call is out, does not end the retried
// pipeline; the retry's draft is kept.
func TestAttemptARetryReplacedEndsNothing(t *testing.T) {
	e := newPipelineEnv(t, func(c *ai.Config) { c.MaxAttempts = 1 })
	held := holdReplies(t, e, 2)
	id := e.submit(t)

	first := e.draftInBackground(t, id)
	held.waitArrived(t, 1)
	if n, err := e.svc.RescueStalled(context.Background(), time.Nanosecond); n != 1 || err != nil {
		t.Fatalf("RescueStalled = %d, %v; want the drafting question", n, err)
	}
	if _, err := e.svc.RetryPipeline(e.admin, id); err != nil {
		t.Fatalf("RetryPipeline: %v", err)
	}
	retried := e.draftInBackground(t, id)
	held.waitArrived(t, 2)

	held.release[0] <- aitest.Reply{Status: 500}
	if err := <-first; err != nil {
		t.Fatalf("the first attempt's Draft = %v", err)
	}
	if q := e.question(t, id); q.Status != question.StatusDRAFTING || *q.PipelineStatus != question.PipelineStatusRUNNING {
		t.Fatalf("after the replaced attempt failed: %s, pipeline %s; want DRAFTING, RUNNING", q.Status, *q.PipelineStatus)
	}

	held.release[1] <- aitest.Reply{Text: "The derivative of x squared is 2x.", PromptTokens: 10, CompletionTokens: 20}
	if err := <-retried; err != nil {
		t.Fatalf("the retry's Draft = %v", err)
	}
	q := e.question(t, id)
	st := e.stage(t, id, questions.StageDraft)
	if q.Status != question.StatusREWRITING || *q.PipelineStatus != question.PipelineStatusRUNNING || st.Status != pipelinestage.StatusDONE || st.Attempts != 2 {
		t.Fatalf("after the retry's draft: %s, pipeline %s, draft stage %s after %d attempts; want REWRITING, RUNNING, DONE after 2",
			q.Status, *q.PipelineStatus, st.Status, st.Attempts)
	}
	if revs := e.revisions(t, id); len(revs) != 1 || revs[0].Body != "The derivative of x squared is 2x." {
		t.Fatalf("revisions %v; want the retry's draft", revs)
	}
	e.wantTokensToday(t, 30)
}
