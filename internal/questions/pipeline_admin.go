package questions

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/modelusage"
	"backbone/ent/pipelinestage"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
)

// TokensUsedToday sums the model tokens spent since midnight UTC, by every stage attempt
// the model answered (kept, failed, or replaced by a retry).
func (s *Service) TokensUsedToday(ctx context.Context) (int64, error) {
	midnight := s.now().Truncate(24 * time.Hour)
	var rows []struct {
		Prompt     int64 `json:"prompt"`
		Completion int64 `json:"completion"`
	}
	err := s.db.Client.ModelUsage.Query().Where(modelusage.CreatedAtGTE(midnight)).
		Aggregate(ent.As(ent.Sum(modelusage.FieldPromptTokens), "prompt"),
			ent.As(ent.Sum(modelusage.FieldCompletionTokens), "completion")).
		Scan(db.System(ctx), &rows)
	if err != nil || len(rows) == 0 {
		return 0, errs.Wrap("questions.TokensUsedToday", err)
	}
	return rows[0].Prompt + rows[0].Completion, nil
}

// RescueStalled sends to the experts every question that has waited in an AI stage (or
// SUBMITTED) longer than deadline, with the pipeline FAILED: a stage whose worker died,
// or whose job was dead-lettered, never strands a question. It returns how many it moved.
func (s *Service) RescueStalled(ctx context.Context, deadline time.Duration) (int, error) {
	return s.sweep(ctx, "questions.RescueStalled", func(ctx context.Context) ([]uuid.UUID, error) {
		return s.db.Client.Question.Query().Where(question.StatusIn(beforeQueue...),
			question.UpdatedAtLTE(s.now().Add(-deadline))).Order(ent.Asc(question.FieldUpdatedAt)).Limit(sweepBatch).IDs(ctx)
	}, s.lockQuestion, func(ctx context.Context, tx *ent.Client, id uuid.UUID) (bool, error) {
		q, err := load(ctx, tx, id)
		if err != nil {
			return false, err
		}
		if !q.UpdatedAt.Add(deadline).Before(s.now()) {
			return false, nil
		}
		reason := fmt.Sprintf("no progress within the stage deadline (%s)", deadline)
		switch q.Status {
		case question.StatusSUBMITTED:
			if q.PipelineStatus == nil || *q.PipelineStatus == question.PipelineStatusSKIPPED {
				// The AI was off: only the routing job was late.
				return true, s.route(ctx, tx, q)
			}
			return true, s.fail(ctx, tx, q, StageDraft, reason, StageResult{})
		case question.StatusDRAFTING:
			return true, s.fail(ctx, tx, q, StageDraft, reason, StageResult{})
		case question.StatusREWRITING:
			return true, s.fail(ctx, tx, q, StageRewrite, reason, StageResult{})
		case question.StatusCHECKING:
			return true, s.fail(ctx, tx, q, StageCheck, reason, StageResult{})
		}
		return false, nil
	})
}

// RetryPipeline runs the AI stages of a question again, from the first one that did not
// finish, while no expert has claimed it: the question leaves the experts' queue until
// they are done. Admins only. Errors: UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, CONFLICT
// (claimed, closed, or its pipeline still running or done).
func (s *Service) RetryPipeline(ctx context.Context, id uuid.UUID) (*ent.Question, error) {
	if _, err := admin(ctx); err != nil {
		return nil, errs.Wrap("questions.RetryPipeline", err)
	}
	return s.txQuestion(ctx, "questions.RetryPipeline", func(ctx context.Context, tx *ent.Client) (*ent.Question, error) {
		q, err := load(ctx, tx, id)
		if err != nil {
			return nil, err
		}
		// Every retry row leaves from the same states: ask with the first.
		if _, err := step(actRetryDraft, byAdmin, q.Status); err != nil {
			return nil, err
		}
		if q.PipelineStatus == nil || (*q.PipelineStatus != question.PipelineStatusFAILED && *q.PipelineStatus != question.PipelineStatusSKIPPED) {
			return nil, conflict(q.Status, "only a failed or skipped AI pipeline can be run again")
		}
		from, err := firstUnfinished(ctx, tx, q.ID, s.now())
		if err != nil {
			return nil, err
		}
		q, err = s.setStatus(ctx, tx, q, stageSpecs[from].retry, byAdmin, func(u *ent.QuestionUpdateOne) {
			u.SetPipelineStatus(question.PipelineStatusRUNNING).SetPipelineReason("")
		})
		if err != nil {
			return nil, err
		}
		if q == nil {
			return nil, errs.E(errs.Conflict, "the question changed meanwhile; retry")
		}
		now := s.now()
		_, err = tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StatusNEQ(pipelinestage.StatusDONE)).
			SetStatus(pipelinestage.StatusPENDING).SetError("").ClearFinishedAt().SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return nil, err
		}
		if err := emit(ctx, tx, outbox.Job, stageSpecs[from].job, q.ID, events.PipelineJob{QuestionID: q.ID}); err != nil {
			return nil, err
		}
		return q, record(ctx, tx, q, change{action: "question.pipeline_retried", taken: true, meta: map[string]any{"from": string(from)}})
	})
}

// firstUnfinished is the first stage of question id that is not DONE, creating the
// records of a question that predates them.
func firstUnfinished(ctx context.Context, tx *ent.Client, id uuid.UUID, now time.Time) (Stage, error) {
	rows, err := tx.PipelineStage.Query().Where(pipelinestage.QuestionID(id)).All(ctx)
	if err != nil {
		return "", err
	}
	done := map[Stage]bool{}
	for _, r := range rows {
		done[r.Stage] = r.Status == pipelinestage.StatusDONE
	}
	if len(rows) == 0 {
		if err := createStages(ctx, tx, id, now); err != nil {
			return "", err
		}
	}
	for _, st := range stageOrder {
		if !done[st] {
			return st, nil
		}
	}
	return StageCheck, nil
}

// route moves a SUBMITTED question to the experts' queue (the job "questions.route").
func (s *Service) route(ctx context.Context, tx *ent.Client, q *ent.Question) error {
	q, err := s.setStatus(ctx, tx, q, actRoute, bySystem, func(*ent.QuestionUpdateOne) {})
	if err != nil || q == nil {
		return err
	}
	return record(ctx, tx, q, change{action: "question.routed", available: true})
}
