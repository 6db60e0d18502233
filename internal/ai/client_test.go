package ai_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"backbone/internal/ai"
	"backbone/internal/ai/aitest"
)

const testKey = "sk-test-0123456789-secret"

var question = ai.Question{Subject: "MATH", Urgency: "NORMAL", Title: "Derivative of x^2", Body: "What is d/dx of x^2?"}

// newClient starts a fake provider and a client on it with quick retries; change adjusts
// the configuration.
func newClient(t *testing.T, change func(*ai.Config)) (*ai.Client, *aitest.Server) {
	t.Helper()
	srv := aitest.New()
	t.Cleanup(srv.Close)
	cfg := ai.Config{
		BaseURL: srv.URL(), APIKey: testKey, Model: "test-model",
		Timeout: 10 * time.Second, RetryWait: 10 * time.Millisecond, BreakerCooldown: time.Hour,
	}
	if change != nil {
		change(&cfg)
	}
	c, err := ai.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv
}

func asError(t *testing.T, err error) *ai.Error {
	t.Helper()
	var e *ai.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not an *ai.Error", err, err)
	}
	return e
}

func TestDraftRecordsTheAnswerAndItsUsage(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.MaxOutputTokens = 700 })
	srv.Enqueue(aitest.Reply{Text: "  The derivative is **2x**.\n", PromptTokens: 321, CompletionTokens: 54})

	res, err := c.Draft(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "The derivative is **2x**." || res.PromptTokens != 321 || res.CompletionTokens != 54 ||
		res.Attempts != 1 || res.Model != "test-model" || res.PromptVersion != ai.DraftPromptVersion || res.Latency <= 0 {
		t.Errorf("result %+v", res)
	}
	req := srv.Requests()[0]
	if req.Model != "test-model" || req.MaxCompletionTokens != 700 {
		t.Errorf("request model %q, max_completion_tokens %d", req.Model, req.MaxCompletionTokens)
	}
	if got := req.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
}

func TestRewriteUsesTheRewriteModelAndPrompt(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.RewriteModel = "rewrite-model" })
	res, err := c.Rewrite(context.Background(), question, "The derivative is 2x.", "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Model != "rewrite-model" || res.PromptVersion != ai.RewritePromptVersion || res.Text != aitest.DefaultText {
		t.Errorf("result %+v", res)
	}
	req := srv.Requests()[0]
	if req.Model != "rewrite-model" || !strings.Contains(req.Content("system"), "You rewrite a draft answer") {
		t.Errorf("request model %q, system prompt %.80q", req.Model, req.Content("system"))
	}
	if strings.Contains(req.Content("user"), "previous-failure") {
		t.Error("a first rewrite names a previous failure")
	}
	if mode, model := c.Info(); mode != "openai-compatible" || model != "test-model (rewrite: rewrite-model)" {
		t.Errorf("Info() = %q, %q", mode, model)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	c, srv := newClient(t, nil) // backoff alone would wait about 10ms
	srv.Enqueue(aitest.Reply{Status: http.StatusTooManyRequests, RetryAfter: "1"})

	start := time.Now()
	res, err := c.Draft(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || srv.Count() != 2 {
		t.Errorf("attempts %d, requests %d; want 2", res.Attempts, srv.Count())
	}
	if elapsed := time.Since(start); elapsed < time.Second {
		t.Errorf("retried after %s, before the 1s Retry-After", elapsed)
	}
}

func TestServerErrorsAreRetriedUpToTheLimit(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.MaxAttempts = 3 })
	srv.Enqueue(aitest.Reply{Status: 500}, aitest.Reply{Status: 503})
	res, err := c.Draft(context.Background(), question)
	if err != nil || res.Attempts != 3 {
		t.Fatalf("two 5xx then success: attempts %d, err %v", res.Attempts, err)
	}

	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Status: 500} })
	_, err = c.Draft(context.Background(), question)
	e := asError(t, err)
	if e.Permanent || e.Attempts != 3 || e.Status != 500 || srv.Count() != 6 {
		t.Errorf("gave up with %+v after %d requests in all; want 3 more requests", e, srv.Count())
	}
	if msg := err.Error(); msg != "AI draft: provider unavailable after 3 attempts: HTTP 500 Internal Server Error (server_error)" {
		t.Errorf("message %q", msg)
	}
}

func TestOtherClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{http.StatusBadRequest, http.StatusNotFound, http.StatusConflict} {
		c, srv := newClient(t, nil)
		srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Status: status} })
		_, err := c.Draft(context.Background(), question)
		if !ai.IsPermanent(err) || srv.Count() != 1 {
			t.Errorf("HTTP %d: %d requests, permanent %t (%v); want 1 request, permanent", status, srv.Count(), ai.IsPermanent(err), err)
		}
		if !strings.Contains(err.Error(), "AI draft: provider refused the request: HTTP ") {
			t.Errorf("message %q", err)
		}
	}
}

func TestMalformedAnswers(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.MaxAttempts = 2 })
	srv.Enqueue(aitest.Reply{Malformed: true})
	if res, err := c.Draft(context.Background(), question); err != nil || res.Attempts != 2 {
		t.Fatalf("one malformed answer then a good one: attempts %d, err %v", res.Attempts, err)
	}

	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Malformed: true} })
	_, err := c.Draft(context.Background(), question)
	if e := asError(t, err); e.Permanent || e.Attempts != 2 || !strings.Contains(err.Error(), "malformed answer") {
		t.Errorf("always malformed: %v (%+v)", err, e)
	}
}

func TestEmptyAnswerIsAnErrorNotRetried(t *testing.T) {
	c, srv := newClient(t, nil)
	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Empty: true, FinishReason: "length"} })
	_, err := c.Draft(context.Background(), question)
	if !ai.IsPermanent(err) || srv.Count() != 1 || !strings.Contains(err.Error(), "empty answer (finish_reason length)") {
		t.Errorf("%d requests, error %v", srv.Count(), err)
	}
}

func TestAnswerTooLongToStoreIsUnusableAndReportsItsCost(t *testing.T) {
	c, srv := newClient(t, nil)
	srv.Handle(func(aitest.Request) aitest.Reply {
		return aitest.Reply{Text: strings.Repeat("é", 25001), PromptTokens: 40, CompletionTokens: 30000}
	})
	_, err := c.Draft(context.Background(), question)
	if !ai.IsPermanent(err) || !ai.IsUnusable(err) || srv.Count() != 1 {
		t.Fatalf("%d requests, error %v; want one request, unusable", srv.Count(), err)
	}
	if want := "AI draft: provider gave no usable answer: the answer is 50002 bytes long, more than the 50000 an answer may hold"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	spent := ai.Spent(err)
	if spent.PromptTokens != 40 || spent.CompletionTokens != 30000 || spent.Model != "test-model" ||
		spent.PromptVersion != ai.DraftPromptVersion || spent.Text != "" {
		t.Errorf("spent %+v; want the answer's usage", spent)
	}
	// Nothing else was answered, so nothing else was spent.
	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Status: http.StatusBadRequest} })
	if _, err := c.Draft(context.Background(), question); ai.IsUnusable(err) || ai.Spent(err) != (ai.Result{}) {
		t.Errorf("a refused request: unusable %t, spent %+v", ai.IsUnusable(err), ai.Spent(err))
	}
}

func TestCutOffOrFilteredAnswersAreUnusable(t *testing.T) {
	for _, c := range []struct {
		finish, maxTokens, want string
	}{
		{"length", "700", "AI rewrite: provider gave no usable answer: the model's answer was cut off at AI_MAX_OUTPUT_TOKENS (700)"},
		{"length", "", "AI rewrite: provider gave no usable answer: the model's answer was cut off at the model's output limit"},
		{"content_filter", "", "AI rewrite: provider gave no usable answer: the provider's content filter stopped the answer"},
	} {
		client, srv := newClient(t, func(cfg *ai.Config) {
			if c.maxTokens != "" {
				cfg.MaxOutputTokens = 700
			}
		})
		srv.Handle(func(aitest.Request) aitest.Reply {
			return aitest.Reply{Text: "The derivative is", FinishReason: c.finish, CompletionTokens: 700}
		})
		_, err := client.Rewrite(context.Background(), question, "The derivative is 2x.", "")
		if !ai.IsUnusable(err) || srv.Count() != 1 || ai.Spent(err).CompletionTokens != 700 {
			t.Errorf("finish_reason %s: %d requests, error %v, spent %+v; want one request, unusable, its tokens",
				c.finish, srv.Count(), err, ai.Spent(err))
		} else if err.Error() != c.want {
			t.Errorf("finish_reason %s: message %q, want %q", c.finish, err, c.want)
		}
	}
}

func TestAnswerTextIsMadeStorable(t *testing.T) {
	c, srv := newClient(t, nil)
	srv.Enqueue(aitest.Reply{Text: "\x00 Line one\r\nline\x7f two\rline\u0085 three\t(tab)\x00\n", PromptTokens: -3, CompletionTokens: -1})
	res, err := c.Draft(context.Background(), question)
	if err != nil {
		t.Fatal(err)
	}
	if want := "Line one\nline two\nline three\t(tab)"; res.Text != want {
		t.Errorf("text %q, want %q", res.Text, want)
	}
	if res.PromptTokens != 0 || res.CompletionTokens != 0 {
		t.Errorf("tokens %d+%d; want negative counts taken as 0", res.PromptTokens, res.CompletionTokens)
	}

	srv.Enqueue(aitest.Reply{Text: "\x00\x01 \x02"})
	if _, err := c.Draft(context.Background(), question); !ai.IsUnusable(err) || !strings.Contains(err.Error(), "empty answer") {
		t.Errorf("an answer of control characters only: %v; want an empty answer", err)
	}
}

func TestAttemptsTimeOutAndAreRetried(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.Timeout = 200 * time.Millisecond; c.MaxAttempts = 2 })
	srv.Enqueue(aitest.Reply{Hang: true})
	if res, err := c.Draft(context.Background(), question); err != nil || res.Attempts != 2 {
		t.Fatalf("one hang then an answer: attempts %d, err %v", res.Attempts, err)
	}

	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Hang: true} })
	_, err := c.Draft(context.Background(), question)
	e := asError(t, err)
	if e.Permanent || ai.IsCanceled(err) || e.Attempts != 2 || srv.Count() != 4 {
		t.Errorf("always hanging: %v (%+v), %d requests in all", err, e, srv.Count())
	}
	if want := "AI draft: provider unavailable after 2 attempts: no answer within 200ms (AI_TIMEOUT)"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestCallerCancellationStopsRetries(t *testing.T) {
	c, srv := newClient(t, func(c *ai.Config) { c.RetryWait = time.Hour; c.BreakerFailures = 1 })
	srv.Enqueue(aitest.Reply{Status: 500})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel) // during the hour-long wait before a retry
	_, err := c.Draft(ctx, question)
	if !ai.IsCanceled(err) || !errors.Is(err, context.Canceled) || srv.Count() != 1 {
		t.Fatalf("cancelled while waiting: %v after %d requests", err, srv.Count())
	}
	// The caller's cancellation says nothing of the provider: the breaker stays closed.
	if _, err := c.Draft(context.Background(), question); err != nil {
		t.Errorf("call after a cancelled one: %v", err)
	}
}

func TestBreakerOpensAndFailsFast(t *testing.T) {
	const cooldown = 300 * time.Millisecond
	c, srv := newClient(t, func(c *ai.Config) { c.MaxAttempts = 2; c.BreakerFailures = 2; c.BreakerCooldown = cooldown })

	// Refusals mean the provider is up: they never open the breaker.
	srv.Enqueue(aitest.Reply{Status: 400}, aitest.Reply{Status: 400}, aitest.Reply{Status: 400})
	for range 3 {
		_, _ = c.Draft(context.Background(), question)
	}
	if srv.Count() != 3 {
		t.Fatalf("400s: %d requests reached the provider, want 3", srv.Count())
	}

	srv.Handle(func(aitest.Request) aitest.Reply { return aitest.Reply{Status: 503} })
	for range 2 {
		if _, err := c.Draft(context.Background(), question); err == nil {
			t.Fatal("503s succeeded")
		}
	}
	if srv.Count() != 7 {
		t.Fatalf("%d requests, want 3 + 2 calls x 2 attempts", srv.Count())
	}
	_, err := c.Draft(context.Background(), question)
	e := asError(t, err)
	if !errors.Is(err, ai.ErrBreakerOpen) || e.Permanent || e.Attempts != 0 || srv.Count() != 7 {
		t.Fatalf("open breaker: %v (%+v), %d requests", err, e, srv.Count())
	}
	if want := "AI draft: provider unavailable: circuit breaker open after repeated provider failures; calls resume after a 300ms cool-down"; err.Error() != want {
		t.Errorf("message %q", err)
	}

	// After the cool-down one probe goes through; its success closes the breaker.
	time.Sleep(cooldown + 50*time.Millisecond)
	srv.Handle(nil)
	for range 2 {
		if _, err := c.Draft(context.Background(), question); err != nil {
			t.Fatalf("after the cool-down: %v", err)
		}
	}
	if srv.Count() != 9 {
		t.Errorf("%d requests, want 9", srv.Count())
	}
}

func TestConcurrencyIsBounded(t *testing.T) {
	const limit, calls = 3, 10
	c, srv := newClient(t, func(c *ai.Config) { c.MaxConcurrency = limit })
	gate := make(chan struct{})
	srv.Handle(func(aitest.Request) aitest.Reply { <-gate; return aitest.Reply{} })

	var wg sync.WaitGroup
	errs := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, err := c.Draft(context.Background(), question)
			errs <- err
		})
	}
	waitFor(t, func() bool { return srv.InFlight() == limit })
	time.Sleep(200 * time.Millisecond) // room for a call past the limit to show up
	if n := srv.InFlight(); n != limit {
		t.Errorf("%d requests in flight, limit %d", n, limit)
	}

	// A call waiting for a slot gives up with its context, without a request.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.Draft(ctx, question); !ai.IsCanceled(err) {
		t.Errorf("waiting for a slot past the deadline: %v", err)
	}

	close(gate)
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	waitFor(t, func() bool {
		select {
		case <-done:
			return true
		default:
			return false
		}
	}) // a slot never released would leave calls waiting forever
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if srv.MaxInFlight() != limit || srv.Count() != calls {
		t.Errorf("max in flight %d (limit %d), %d requests (want %d)", srv.MaxInFlight(), limit, srv.Count(), calls)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWithoutBaseURLThereIsNoProvider(t *testing.T) {
	c, err := ai.New(ai.Config{Model: "m"}, nil)
	if c != nil || !errors.Is(err, ai.ErrNotConfigured) || err.Error() != "no AI provider configured" {
		t.Fatalf("New without a base URL: %v, %v", c, err)
	}
	if _, err := c.Draft(context.Background(), question); !errors.Is(err, ai.ErrNotConfigured) {
		t.Errorf("Draft on no client: %v", err)
	}
	if mode, model := c.Info(); mode != "none" || model != "" {
		t.Errorf("Info on no client: %q %q", mode, model)
	}
	if _, err := ai.New(ai.Config{BaseURL: "http://localhost:1/v1"}, nil); err == nil || !strings.Contains(err.Error(), "AI_MODEL") {
		t.Errorf("New without a model: %v", err)
	}
}
