package workers

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/ai"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/originality"
	"backbone/internal/questions"
	"backbone/internal/queue"
)

// Pipeline runs the AI stages of questions: the jobs pipeline.draft, pipeline.rewrite
// and pipeline.originality. Each handler is idempotent: the questions service records a
// stage's result and moves the question on in one conditional transaction, so a
// redelivered job (or a second worker) finds the question past the stage and stops,
// without calling the model again. The model is never called inside a transaction.
type Pipeline struct {
	Questions *questions.Service
	// AI is the model provider; nil skips the AI stages (the question goes to the
	// experts with the pipeline SKIPPED: "no AI provider configured").
	AI *ai.Client
	// Client reads the originality index.
	Client *ent.Client
	Log    *slog.Logger
}

// Draft handles pipeline.draft: the model writes a first answer.
func (p *Pipeline) Draft(ctx context.Context, job queue.Job) error {
	return p.run(ctx, job, questions.StageDraft, func(ctx context.Context, w *questions.StageWork) (questions.StageResult, error) {
		r, err := p.AI.Draft(ctx, aiQuestion(w))
		if err != nil {
			return fromAI(ai.Spent(err)), err
		}
		return fromAI(r), nil
	})
}

// Rewrite handles pipeline.rewrite: the model rewrites the draft for the client. A
// rewrite that drops a number, link or code of the draft, or strays too far from its
// length, is asked for once more naming what it dropped; failing again, the draft stays
// the final AI version and the finding is recorded on the stage. So does an unusable
// answer (empty, refused by the model, cut off, filtered, too long), at once.
func (p *Pipeline) Rewrite(ctx context.Context, job queue.Job) error {
	return p.run(ctx, job, questions.StageRewrite, func(ctx context.Context, w *questions.StageWork) (questions.StageResult, error) {
		var total questions.StageResult
		failure := ""
		for try := 1; try <= 2; try++ {
			r, err := p.AI.Rewrite(ctx, aiQuestion(w), w.Draft.Body, failure)
			if ai.IsUnusable(err) {
				// As a rewrite the guards refuse, but not asked for again: the draft stands.
				total = addUsage(total, fromAI(ai.Spent(err)))
				total.Text, total.Note = "", fmt.Sprintf("rewrite %d not kept: %v", try, err)
				return total, nil
			}
			if err != nil {
				return total, err
			}
			total = addUsage(total, fromAI(r))
			guard := ai.CheckRewrite(w.Draft.Body, r.Text)
			if guard == nil {
				total.Text, total.Note = r.Text, ""
				return total, nil
			}
			failure = guard.Error()
			total.Note = fmt.Sprintf("rewrite %d refused: %s", try, failure)
		}
		total.Text = "" // the draft stands
		return total, nil
	})
}

// Originality handles pipeline.originality: the AI answer is scored against every other
// question's answers, then the question enters the experts' queue.
func (p *Pipeline) Originality(ctx context.Context, job queue.Job) error {
	return p.run(ctx, job, questions.StageCheck, func(ctx context.Context, w *questions.StageWork) (questions.StageResult, error) {
		start := time.Now()
		res, err := originality.Check(ctx, p.Client, w.Question.ID, w.Answer.Body)
		if err != nil {
			return questions.StageResult{}, err
		}
		return questions.StageResult{Originality: &res, ProviderTime: time.Since(start)}, nil
	})
}

// stageFunc does the slow part of a stage, outside any transaction.
type stageFunc func(ctx context.Context, w *questions.StageWork) (questions.StageResult, error)

// run is one stage of one question: start it (nothing to do if the question moved on),
// do it, then store its result, or send the question to the experts when the provider
// gave up or the result cannot be stored. Other database errors are returned, so that
// the queue retries the job.
func (p *Pipeline) run(ctx context.Context, job queue.Job, stage questions.Stage, do stageFunc) error {
	id, err := pipelineQuestion(job)
	if err != nil {
		return err
	}
	if p.AI == nil && stage != questions.StageCheck {
		return p.Questions.SkipPipeline(ctx, id, stage, questions.ReasonNoProvider)
	}
	w, err := p.Questions.StartStage(ctx, id, stage)
	if err != nil || w == nil {
		return err
	}
	res, err := do(ctx, w)
	if err != nil {
		if ctx.Err() != nil || stage == questions.StageCheck {
			// Shutting down, or the database failed: the queue tries the job again (the
			// stage deadline sweep rescues the question if it never succeeds).
			return err
		}
		p.Log.WarnContext(ctx, "pipeline stage failed", "stage", stage, "question", id, "attempt", w.Attempt, "err", err)
		return p.Questions.FailStage(ctx, w, res, err.Error())
	}
	err = p.Questions.CompleteStage(ctx, w, res)
	if errs.Is(err, errs.BadUserInput) {
		// A field's check refused the result: it would be refused on every retry, and
		// doing the stage again would call the model again for the same outcome.
		p.Log.WarnContext(ctx, "pipeline stage result refused", "stage", stage, "question", id, "err", err)
		return p.Questions.FailStage(ctx, w, res, "the stage's result could not be stored: "+err.Error())
	}
	return err
}

// pipelineQuestion decodes a pipeline job; a payload that names no question can never
// succeed, so it is dead-lettered at once.
func pipelineQuestion(job queue.Job) (uuid.UUID, error) {
	var p events.PipelineJob
	if err := json.Unmarshal(job.Payload, &p); err != nil || p.QuestionID == uuid.Nil {
		return uuid.Nil, queue.Permanent(fmt.Errorf("%s %s: bad payload %q", job.Topic, job.ID, job.Payload))
	}
	return p.QuestionID, nil
}

// aiQuestion is what the model is told of a question: its subject, urgency and text.
func aiQuestion(w *questions.StageWork) ai.Question {
	q := w.Question
	return ai.Question{Subject: q.Subject, Urgency: string(q.Urgency), Title: q.Title, Body: q.Body}
}

// fromAI turns a model's result into a stage result.
func fromAI(r ai.Result) questions.StageResult {
	return questions.StageResult{Text: r.Text, Model: r.Model, PromptVersion: r.PromptVersion,
		PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, ProviderTime: r.Latency}
}

// addUsage adds r's tokens and time to total and takes r's model and prompt version, if
// a model answered.
func addUsage(total, r questions.StageResult) questions.StageResult {
	if r.Model != "" {
		total.Model, total.PromptVersion = r.Model, r.PromptVersion
	}
	total.PromptTokens += r.PromptTokens
	total.CompletionTokens += r.CompletionTokens
	total.ProviderTime += r.ProviderTime
	return total
}

// rescueEvery is how often questions stuck in an AI stage are looked for.
const rescueEvery = 30 * time.Second

// registerPipeline registers the three stages and the sweep that rescues questions
// stuck in one. Model calls are bounded per process by the AI client, so the stages
// may take several jobs at once.
func registerPipeline(r *Runner, d Deps) {
	p := &Pipeline{Questions: d.Questions, AI: d.AI, Client: d.DB.Client, Log: d.Log}
	opts := queue.ConsumeOptions{Concurrency: 8, MaxAttempts: 5,
		Backoff: queue.ExponentialBackoff(time.Second, 30*time.Second)}
	r.Consume(events.JobPipelineDraft, p.Draft, opts)
	r.Consume(events.JobPipelineRewrite, p.Rewrite, opts)
	r.Consume(events.JobPipelineOriginality, p.Originality, opts)
	r.Every("pipeline.rescue_stalled", rescueEvery, sweep(func(ctx context.Context) (int, error) {
		return d.Questions.RescueStalled(ctx, d.StageDeadline)
	}))
}
