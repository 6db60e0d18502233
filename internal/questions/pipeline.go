package questions

import (
	"context"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/modelusage"
	"backbone/ent/pipelinestage"
	"backbone/ent/question"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/originality"
	"backbone/internal/outbox"
)

// The AI pipeline: SUBMITTED -> DRAFTING -> REWRITING -> CHECKING -> AWAITING_EXPERT.
// Each stage is a job; a worker calls StartStage, does the slow part (the model, the
// originality index) outside any transaction, then CompleteStage or FailStage. Every
// step is a conditional update on the question's status (and, for a stage's result, on
// its attempt being the stage's latest), so a redelivered job, a second worker, a
// question cancelled meanwhile or an attempt an admin's retry replaced changes nothing
// twice.

// Stage is one AI stage.
type Stage = pipelinestage.Stage

// The stages, in order.
const (
	StageDraft   = pipelinestage.StageDRAFT
	StageRewrite = pipelinestage.StageREWRITE
	StageCheck   = pipelinestage.StageCHECK
)

// stageSpec is what a stage is in the lifecycle: the question's status while it runs, the
// job that runs it, the stage after it and the revision kind it writes; done is the
// transition that ends it, retry the one that runs the AI stages again from it.
type stageSpec struct {
	status question.Status
	job    string
	next   Stage
	kind   answerrevision.Kind
	done   action
	retry  action
}

var stageSpecs = map[Stage]stageSpec{
	StageDraft:   {question.StatusDRAFTING, events.JobPipelineDraft, StageRewrite, answerrevision.KindAI_DRAFT, actDrafted, actRetryDraft},
	StageRewrite: {question.StatusREWRITING, events.JobPipelineRewrite, StageCheck, answerrevision.KindREWRITE, actRewritten, actRetryRewrite},
	StageCheck:   {question.StatusCHECKING, events.JobPipelineOriginality, "", "", actChecked, actRetryCheck},
}

// stageOrder lists the stages as they run.
var stageOrder = []Stage{StageDraft, StageRewrite, StageCheck}

// Reasons recorded on a pipeline that was skipped or failed.
const (
	ReasonSwitchedOff = "the AI pipeline is switched off in the settings"
	ReasonNoProvider  = "no AI provider configured"
	ReasonBudget      = "budget"
)

// StageWork is what a worker needs to run one stage of one question.
type StageWork struct {
	Question *ent.Question
	Stage    Stage
	// Attempt counts the starts of this stage, this one included.
	Attempt int
	// Draft is the AI draft (REWRITE); Answer is the AI version to check (CHECK): the
	// rewrite, or the draft when the rewrite was not kept.
	Draft, Answer *ent.AnswerRevision
}

// StageResult is what a stage produced.
type StageResult struct {
	// Text is the new revision's body (DRAFT, REWRITE). An empty REWRITE means the
	// rewrite failed its guards twice: the draft stays the final AI version.
	Text                           string
	Model, PromptVersion           string
	PromptTokens, CompletionTokens int
	// ProviderTime is the time spent waiting for the model or the index.
	ProviderTime time.Duration
	// Note is recorded on the stage (a guard's finding), admins only.
	Note string
	// Originality is the CHECK stage's score of Answer.
	Originality *originality.Result
}

// StartStage begins stage for question id: a SUBMITTED question enters DRAFTING (unless
// the daily token budget is spent, then it skips the AI and goes to the experts). It
// returns nil work, and no error, when the question is no longer in that stage: the
// job is done already, or the question was cancelled.
func (s *Service) StartStage(ctx context.Context, id uuid.UUID, stage Stage) (*StageWork, error) {
	spec, ok := stageSpecs[stage]
	if !ok {
		return nil, fmt.Errorf("questions.StartStage: unknown stage %q", stage)
	}
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap("questions.StartStage", err)
	}
	overBudget := false
	if stage == StageDraft && set.AIDailyTokenBudget > 0 {
		used, err := s.TokensUsedToday(ctx)
		if err != nil {
			return nil, errs.Wrap("questions.StartStage", err)
		}
		overBudget = used >= set.AIDailyTokenBudget
	}
	var work *StageWork
	err = s.inTx(ctx, "questions.StartStage", func(ctx context.Context, tx *ent.Client) error {
		q, err := load(ctx, tx, id)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		if stage == StageDraft && allows(actStartPipeline, q.Status) {
			if overBudget {
				return s.skip(ctx, tx, q, ReasonBudget)
			}
			q, err = s.setStatus(ctx, tx, q, actStartPipeline, bySystem, func(u *ent.QuestionUpdateOne) {
				u.SetPipelineStatus(question.PipelineStatusRUNNING)
			})
			if err != nil || q == nil {
				return err
			}
			if err := record(ctx, tx, q, change{action: "question.pipeline_started"}); err != nil {
				return err
			}
		}
		if q.Status != spec.status {
			return nil
		}
		attempt, err := s.startStageRow(ctx, tx, q.ID, stage)
		if err != nil {
			return err
		}
		work = &StageWork{Question: q, Stage: stage, Attempt: attempt}
		return s.loadAIVersions(ctx, tx, work)
	})
	if err != nil || work == nil {
		return nil, err
	}
	work.Question = unwrapQ(work.Question)
	return work, nil
}

// loadAIVersions fills the draft and the version to check of work.
func (s *Service) loadAIVersions(ctx context.Context, tx *ent.Client, work *StageWork) error {
	if work.Stage == StageDraft {
		return nil
	}
	revs, err := tx.AnswerRevision.Query().Where(answerrevision.QuestionID(work.Question.ID),
		answerrevision.KindIn(answerrevision.KindAI_DRAFT, answerrevision.KindREWRITE)).
		Order(ent.Asc(answerrevision.FieldCreatedAt), ent.Asc(answerrevision.FieldID)).All(ctx)
	if err != nil {
		return err
	}
	for _, r := range revs {
		switch r.Kind {
		case answerrevision.KindAI_DRAFT:
			work.Draft, work.Answer = r, r
		case answerrevision.KindREWRITE:
			work.Answer = r
		}
	}
	if work.Draft == nil {
		return fmt.Errorf("question %s is in %s without an AI draft", work.Question.ID, work.Stage)
	}
	return nil
}

// CompleteStage stores what stage produced and moves the question on, in one
// transaction: the revision, the stage's record, the next stage's job (or, after the
// check, the experts' queue). A question that left the stage meanwhile, or whose stage
// a later attempt runs now (an admin's retry), is left alone, but what the model spent
// is recorded all the same.
func (s *Service) CompleteStage(ctx context.Context, work *StageWork, res StageResult) error {
	spec := stageSpecs[work.Stage]
	return s.inTx(ctx, "questions.CompleteStage", func(ctx context.Context, tx *ent.Client) error {
		if err := recordUsage(ctx, tx, work.Question.ID, work.Stage, res, s.now()); err != nil {
			return err
		}
		current, err := s.holdAttempt(ctx, tx, work)
		if err != nil || !current {
			return err
		}
		last := spec.next == ""
		q, err := s.setStatus(ctx, tx, work.Question, spec.done, bySystem, func(u *ent.QuestionUpdateOne) {
			if last {
				u.SetPipelineStatus(question.PipelineStatusDONE)
			}
		})
		if err != nil || q == nil {
			return err
		}
		now := s.now()
		stageStatus := pipelinestage.StatusDONE
		switch {
		case spec.kind != "" && res.Text != "":
			err = tx.AnswerRevision.Create().SetQuestionID(q.ID).SetKind(spec.kind).SetBody(res.Text).
				SetModel(res.Model).SetPromptVersion(res.PromptVersion).SetCreatedAt(now).Exec(ctx)
		case spec.kind != "":
			stageStatus = pipelinestage.StatusFAILED // the rewrite was not kept: the draft stands
		case res.Originality != nil && work.Answer != nil:
			err = s.storeOriginality(ctx, tx, work.Answer, *res.Originality)
		}
		if err != nil {
			return err
		}
		_, err = tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StageEQ(work.Stage)).
			SetStatus(stageStatus).SetFinishedAt(now).SetModel(res.Model).SetPromptVersion(res.PromptVersion).
			SetPromptTokens(res.PromptTokens).SetCompletionTokens(res.CompletionTokens).
			SetProviderMs(res.ProviderTime.Milliseconds()).SetError(res.Note).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if !last {
			if err := emit(ctx, tx, outbox.Job, stageSpecs[spec.next].job, q.ID, events.PipelineJob{QuestionID: q.ID}); err != nil {
				return err
			}
		}
		return record(ctx, tx, q, change{action: "question.pipeline_" + stageAction(work.Stage), available: last,
			meta: map[string]any{"stage": string(work.Stage), "stageStatus": string(stageStatus)}})
	})
}

// holdAttempt reports whether work is still its stage's current attempt: the stage is
// RUNNING and no start since (a retry's job, a redelivered one) counted another. The
// result of an attempt that a later one replaced must not end the stage the later one
// runs. Its update, of nothing but the record's time, locks the record, so that no
// start counts another attempt before this transaction ends.
func (s *Service) holdAttempt(ctx context.Context, tx *ent.Client, work *StageWork) (bool, error) {
	n, err := tx.PipelineStage.Update().Where(pipelinestage.QuestionID(work.Question.ID), pipelinestage.StageEQ(work.Stage),
		pipelinestage.Attempts(work.Attempt), pipelinestage.StatusEQ(pipelinestage.StatusRUNNING)).
		SetUpdatedAt(s.now()).Save(ctx)
	return n == 1, err
}

// storeOriginality records the check's score on the AI answer. The answer is not indexed:
// later answers are compared with the answers delivered to clients (SubmitAnswer records
// them), not with machine text that no client may ever receive, which the model writes
// alike for two clients asking alike.
func (s *Service) storeOriginality(ctx context.Context, tx *ent.Client, rev *ent.AnswerRevision, res originality.Result) error {
	return tx.AnswerRevision.UpdateOneID(rev.ID).SetOriginalityScore(res.Score).
		SetOriginalityMatches(matchesJSON(res.Matches)).Exec(ctx)
}

// FailStage gives up on stage: the question goes to the experts at once with the
// pipeline FAILED and reason, the stages after it SKIPPED. spent is what the stage cost
// before it failed (an answer that could not be used is billed all the same): its model
// and tokens are recorded on the stage, and counted by the daily token budget even when
// the question left the stage meanwhile or a later attempt replaced work (then nothing
// else changes).
func (s *Service) FailStage(ctx context.Context, work *StageWork, spent StageResult, reason string) error {
	return s.inTx(ctx, "questions.FailStage", func(ctx context.Context, tx *ent.Client) error {
		if err := recordUsage(ctx, tx, work.Question.ID, work.Stage, spent, s.now()); err != nil {
			return err
		}
		current, err := s.holdAttempt(ctx, tx, work)
		if err != nil || !current {
			return err
		}
		q, err := load(ctx, tx, work.Question.ID)
		if err != nil || q.Status != stageSpecs[work.Stage].status {
			return err
		}
		return s.fail(ctx, tx, q, work.Stage, reason, spent)
	})
}

// SkipPipeline sends a question that has not started its AI stages (SUBMITTED), or is in
// stage, to the experts with the pipeline SKIPPED and reason (no provider configured).
func (s *Service) SkipPipeline(ctx context.Context, id uuid.UUID, stage Stage, reason string) error {
	return s.inTx(ctx, "questions.SkipPipeline", func(ctx context.Context, tx *ent.Client) error {
		q, err := load(ctx, tx, id)
		if errs.Is(err, errs.NotFound) {
			return nil
		}
		if err != nil || (q.Status != stageSpecs[stage].status && q.Status != question.StatusSUBMITTED) {
			return err
		}
		return s.skip(ctx, tx, q, reason)
	})
}

// skip sends q to the experts with its AI stages SKIPPED for reason.
func (s *Service) skip(ctx context.Context, tx *ent.Client, q *ent.Question, reason string) error {
	q, err := s.setStatus(ctx, tx, q, actSkipPipeline, bySystem, func(u *ent.QuestionUpdateOne) {
		u.SetPipelineStatus(question.PipelineStatusSKIPPED).SetPipelineReason(reason)
	})
	if err != nil || q == nil {
		return err
	}
	_, err = tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StatusNEQ(pipelinestage.StatusDONE)).
		SetStatus(pipelinestage.StatusSKIPPED).SetUpdatedAt(s.now()).Save(ctx)
	if err != nil {
		return err
	}
	return record(ctx, tx, q, change{action: "question.pipeline_skipped", available: true, meta: map[string]any{"reason": reason}})
}

// fail sends q to the experts with the pipeline FAILED in stage for reason, recording on
// the stage what it spent when a model answered (the caller adds it to the budget's
// account, whatever becomes of the stage).
func (s *Service) fail(ctx context.Context, tx *ent.Client, q *ent.Question, stage Stage, reason string, spent StageResult) error {
	q, err := s.setStatus(ctx, tx, q, actFailPipeline, bySystem, func(u *ent.QuestionUpdateOne) {
		u.SetPipelineStatus(question.PipelineStatusFAILED).SetPipelineReason(reason)
	})
	if err != nil || q == nil {
		return err
	}
	now := s.now()
	failed := tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StageEQ(stage)).
		SetStatus(pipelinestage.StatusFAILED).SetError(reason).SetFinishedAt(now).SetUpdatedAt(now)
	if spent.Model != "" {
		// Never below 0: a failure must be recordable whatever the result that caused it.
		failed.SetModel(spent.Model).SetPromptVersion(spent.PromptVersion).SetPromptTokens(max(spent.PromptTokens, 0)).
			SetCompletionTokens(max(spent.CompletionTokens, 0)).SetProviderMs(max(spent.ProviderTime.Milliseconds(), 0))
	}
	if _, err := failed.Save(ctx); err != nil {
		return err
	}
	_, err = tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StatusIn(pipelinestage.StatusPENDING, pipelinestage.StatusRUNNING)).
		SetStatus(pipelinestage.StatusSKIPPED).SetUpdatedAt(now).Save(ctx)
	if err != nil {
		return err
	}
	return record(ctx, tx, q, change{action: "question.pipeline_failed", available: true,
		meta: map[string]any{"stage": string(stage), "reason": reason}})
}

// stopPipeline ends the AI stages of q, closed before they finished, as SKIPPED for
// reason; a stage still running finds the question gone and stores nothing.
func (s *Service) stopPipeline(ctx context.Context, tx *ent.Client, q *ent.Question, reason string) error {
	if q.PipelineStatus == nil || (*q.PipelineStatus != question.PipelineStatusPENDING && *q.PipelineStatus != question.PipelineStatusRUNNING) {
		return nil
	}
	now := s.now()
	// The same time as the change that closed q (ent's default would stamp the wall clock).
	err := tx.Question.UpdateOneID(q.ID).SetPipelineStatus(question.PipelineStatusSKIPPED).SetPipelineReason(reason).
		SetUpdatedAt(q.UpdatedAt).Exec(ctx)
	if err != nil {
		return err
	}
	q.PipelineStatus, q.PipelineReason = ptr(question.PipelineStatusSKIPPED), reason
	_, err = tx.PipelineStage.Update().Where(pipelinestage.QuestionID(q.ID), pipelinestage.StatusIn(pipelinestage.StatusPENDING, pipelinestage.StatusRUNNING)).
		SetStatus(pipelinestage.StatusSKIPPED).SetError(reason).SetUpdatedAt(now).Save(ctx)
	return err
}

func ptr[T any](v T) *T { return &v }

// setStatus is transit for the pipeline's jobs and sweeps, which find their work done
// when the question moved on: nil, and no error, when act does not apply to q's status,
// or q changed since it was read (the update is also guarded by the status read, so
// that a stage acts only on the state it was decided on).
func (s *Service) setStatus(ctx context.Context, tx *ent.Client, q *ent.Question, act action, by actor, more func(*ent.QuestionUpdateOne)) (*ent.Question, error) {
	t, err := step(act, by, q.Status)
	if errs.Is(err, errs.Conflict) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u := tx.Question.UpdateOneID(q.ID).Where(question.StatusIn(t.from...), question.StatusEQ(q.Status)).
		SetStatus(t.to).SetUpdatedAt(s.now())
	more(u)
	out, err := u.Save(ctx)
	if ent.IsNotFound(err) {
		return nil, nil
	}
	return out, err
}

// startStageRow marks the record of stage for question id RUNNING, counts the start and
// keeps the first start's time, in one statement (UPDATE ... RETURNING: this runs for
// every stage of every question), and returns the starts so far. It creates the record
// for questions that predate it (every question submitted with the pipeline on has one
// per stage).
func (s *Service) startStageRow(ctx context.Context, tx *ent.Client, id uuid.UUID, stage Stage) (int, error) {
	now := s.now()
	query, args := entsql.Dialect(s.db.Dialect).Update(pipelinestage.Table).
		Add(pipelinestage.FieldAttempts, 1).
		Set(pipelinestage.FieldStatus, pipelinestage.StatusRUNNING).
		Set(pipelinestage.FieldUpdatedAt, now).
		Set(pipelinestage.FieldStartedAt, entsql.ExprFunc(func(b *entsql.Builder) {
			b.WriteString("COALESCE(").Ident(pipelinestage.FieldStartedAt).Comma().Arg(now).WriteByte(')')
		})).
		Where(entsql.And(entsql.EQ(pipelinestage.FieldQuestionID, id), entsql.EQ(pipelinestage.FieldStage, stage))).
		Returning(pipelinestage.FieldAttempts).
		Query()
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	if rows.Next() {
		var attempts int
		if err := rows.Scan(&attempts); err != nil {
			return 0, err
		}
		return attempts, rows.Close()
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	err = tx.PipelineStage.Create().SetQuestionID(id).SetStage(stage).SetStatus(pipelinestage.StatusRUNNING).
		SetAttempts(1).SetStartedAt(now).SetCreatedAt(now).SetUpdatedAt(now).Exec(ctx)
	return 1, err
}

// recordUsage adds what a model's answer in stage cost to the account the daily token
// budget sums; a stage without a model's answer (the check, a skip) cost nothing.
func recordUsage(ctx context.Context, tx *ent.Client, id uuid.UUID, stage Stage, res StageResult, at time.Time) error {
	prompt, completion := max(res.PromptTokens, 0), max(res.CompletionTokens, 0)
	if prompt == 0 && completion == 0 {
		return nil
	}
	return tx.ModelUsage.Create().SetQuestionID(id).SetStage(modelusage.Stage(stage)).SetModel(res.Model).
		SetPromptTokens(prompt).SetCompletionTokens(completion).SetCreatedAt(at).Exec(ctx)
}

// createStages records the three stages of a new question as PENDING.
func createStages(ctx context.Context, tx *ent.Client, id uuid.UUID, now time.Time) error {
	builders := make([]*ent.PipelineStageCreate, len(stageOrder))
	for i, st := range stageOrder {
		builders[i] = tx.PipelineStage.Create().SetQuestionID(id).SetStage(st).SetCreatedAt(now).SetUpdatedAt(now)
	}
	return tx.PipelineStage.CreateBulk(builders...).Exec(ctx)
}

// stageAction names a stage in audit actions: question.pipeline_draft and so on.
func stageAction(st Stage) string {
	switch st {
	case StageDraft:
		return "draft"
	case StageRewrite:
		return "rewrite"
	}
	return "check"
}

// matchesJSON is the stored form of originality matches.
func matchesJSON(ms []originality.Match) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, m := range ms {
		out[i] = map[string]any{"questionId": m.QuestionID.String(), "revisionId": m.RevisionID.String(), "overlap": m.Overlap}
	}
	return out
}
