package main

import (
	"context"
	"testing"
	"time"

	"backbone/internal/ai/aitest"
	"backbone/internal/testenv"
)

// Helpers of the AI pipeline's end-to-end tests: a fake OpenAI-compatible provider (the
// real SDK talks to it), the server, and workers in the API process or apart.

// plAPIKey is the provider key the tests configure: it must never reach a prompt.
const plAPIKey = "sk-test-secret-provider-key-0123456789"

// plQuestion is a Question with its AI side, as the tests read it.
type plQuestion struct {
	ID, Status string
	AIAssisted bool `json:"aiAssisted"`
	Pipeline   *struct {
		Status string
		Reason *string
		Stages []struct {
			Stage, Status                  string
			Attempts                       int
			Model, Error                   *string
			PromptTokens, CompletionTokens *int
		}
	}
	Revisions []plRevision
	Answer    *plRevision
}

type plRevision struct {
	ID, Kind, Body     string
	OriginalityScore   *float64
	OriginalityMatches []struct {
		Overlap  float64
		Question *struct{ ID string }
	}
	BasedOn     *struct{ ID, Kind string }
	ChangeRatio *float64
}

const plRevisionFields = `id kind body originalityScore originalityMatches { overlap question { id } } basedOn { id kind } changeRatio`

const plQuestionQuery = `query($id: ID!) { question(id: $id) { id status aiAssisted
	pipeline { status reason stages { stage status attempts model promptTokens completionTokens error } }
	revisions { ` + plRevisionFields + ` } answer { ` + plRevisionFields + ` } } }`

// plProvider starts the fake provider for one test.
func plProvider(t *testing.T) *aitest.Server {
	t.Helper()
	p := aitest.New()
	t.Cleanup(p.Close)
	return p
}

// plEnv is the configuration of a server (and workers) using provider, on RabbitMQ and
// Redis in a namespace of the test's own, on a fresh PostgreSQL database.
func plEnv(t *testing.T, provider *aitest.Server, more map[string]string) map[string]string {
	t.Helper()
	return withDefaults(more, map[string]string{
		"DATABASE_URL":      testenv.NewPostgresDB(t),
		"AMQP_URL":          testenv.NeedAMQP(t),
		"REDIS_URL":         testenv.NeedRedis(t),
		"NAMESPACE":         testenv.RandomName("pl"),
		"AI_BASE_URL":       provider.URL(),
		"AI_API_KEY":        plAPIKey,
		"AI_MODEL":          "fake-draft",
		"AI_REWRITE_MODEL":  "fake-rewrite",
		"AI_MAX_ATTEMPTS":   "2",
		"AI_TIMEOUT":        "5s",
		"JWT_SECRET":        testJWTSecret,
		"SHUTDOWN_TIMEOUT":  "10s",
		"AI_STAGE_DEADLINE": "10m",
	})
}

// plWorkers runs `backbone worker` in this process with env until the test ends.
func plWorkers(t *testing.T, env map[string]string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() {
		done <- workerCommand(ctx, mapEnv(withDefaults(env, map[string]string{"LOG_LEVEL": "warn"})), logs)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("workers stopped with error: %v\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			t.Errorf("workers did not stop within 30s\n%s", logs.String())
		}
	})
}

// plRead reads a question with its AI side as token.
func (w *azWorld) plRead(t *testing.T, token, id string) plQuestion {
	t.Helper()
	var out struct{ Question plQuestion }
	w.mustGQL(t, token, plQuestionQuery, map[string]any{"id": id}, &out)
	return out.Question
}

// plAwait polls the question until ok holds: 90 s at most, a guard against a hang that
// leaves room for the outbox lease (1 minute) of a killed worker's relay to run out.
func (w *azWorld) plAwait(t *testing.T, token, id, what string, ok func(plQuestion) bool) plQuestion {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		q := w.plRead(t, token, id)
		if ok(q) {
			return q
		}
		if time.Now().After(deadline) {
			t.Fatalf("question %s: %s not reached within 90s; now %+v", id, what, q)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// plQueued waits until the question is in the experts' queue.
func (w *azWorld) plQueued(t *testing.T, token, id string) plQuestion {
	t.Helper()
	return w.plAwait(t, token, id, "AWAITING_EXPERT", func(q plQuestion) bool { return q.Status == "AWAITING_EXPERT" })
}

// plKinds lists the kinds of revisions.
func plKinds(revs []plRevision) []string {
	out := make([]string, len(revs))
	for i, r := range revs {
		out[i] = r.Kind
	}
	return out
}
