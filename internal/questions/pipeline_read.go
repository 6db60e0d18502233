package questions

import (
	"context"
	"slices"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/pipelinestage"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// PipelineDetail says how much of a pipeline a viewer sees.
type PipelineDetail int

// From least to most: every reader of the question sees the stages' status and times;
// the expert who holds it also the model and tokens (SeesAIDetails); admins also the
// errors.
const (
	PipelineBasic PipelineDetail = iota
	PipelineModel
	PipelineFull
)

// SeesAIDetails reports whether p may see what the AI did for q beyond its progress: the
// model and tokens of its stages and the originality of its revisions. Admins may, and
// the expert who holds q (CLAIMED, or REVISION_REQUESTED for a revision), while they hold
// it; not its client, nor an expert once the answer is delivered or the claim ended.
func SeesAIDetails(p viewer.Principal, q *ent.Question) bool {
	return p.IsAdmin() || (q.ExpertID != nil && *q.ExpertID == p.UserID && slices.Contains(held, q.Status))
}

// PipelineView is a question's AI pipeline as one viewer may see it.
type PipelineView struct {
	Status question.PipelineStatus
	// Reason says why it was skipped or failed.
	Reason string
	// Stages in order; stages is empty for a pipeline skipped before it began.
	Stages []*ent.PipelineStage
	Detail PipelineDetail
}

// PipelinesFor returns, by question id, the AI pipelines of the questions the viewer may
// read (with the viewer's rights: others have no entry, nor do questions that predate the
// pipeline). Batched for dataloaders. Errors: UNAUTHENTICATED.
func (s *Service) PipelinesFor(ctx context.Context, questionIDs []uuid.UUID) (map[uuid.UUID]PipelineView, error) {
	const op = "questions.PipelinesFor"
	p, err := principal(ctx, false)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	out := make(map[uuid.UUID]PipelineView, len(questionIDs))
	if len(questionIDs) == 0 {
		return out, nil
	}
	qs, err := s.db.Client.Question.Query().Where(question.IDIn(questionIDs...), question.PipelineStatusNotNil()).All(ctx)
	if err != nil || len(qs) == 0 {
		return out, errs.Wrap(op, err)
	}
	ids := make([]uuid.UUID, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	rows, err := s.db.Client.PipelineStage.Query().Where(pipelinestage.QuestionIDIn(ids...)).All(db.System(ctx))
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	byQuestion := map[uuid.UUID][]*ent.PipelineStage{}
	for _, r := range rows {
		byQuestion[r.QuestionID] = append(byQuestion[r.QuestionID], r)
	}
	for _, q := range qs {
		detail := PipelineBasic
		switch {
		case p.IsAdmin():
			detail = PipelineFull
		case SeesAIDetails(p, q):
			detail = PipelineModel
		}
		v := PipelineView{Status: *q.PipelineStatus, Reason: q.PipelineReason,
			Stages: inStageOrder(byQuestion[q.ID]), Detail: detail}
		if v.Status == question.PipelineStatusFAILED && detail != PipelineFull {
			v.Reason = failedStage(v.Stages)
		}
		out[q.ID] = v
	}
	return out, nil
}

// failedStage is the reason a viewer who is not an admin reads of a failed pipeline:
// which stage failed. The recorded reason is that stage's error (the provider's or a
// guard's words), which only admins see.
func failedStage(stages []*ent.PipelineStage) string {
	for _, st := range stages {
		if st.Status != pipelinestage.StatusFAILED {
			continue
		}
		switch st.Stage {
		case pipelinestage.StageDRAFT:
			return "the AI draft failed"
		case pipelinestage.StageREWRITE:
			return "the AI rewrite failed"
		case pipelinestage.StageCHECK:
			return "the originality check failed"
		}
	}
	return "the AI pipeline failed"
}

// inStageOrder sorts one question's stage records as the stages run.
func inStageOrder(rows []*ent.PipelineStage) []*ent.PipelineStage {
	out := make([]*ent.PipelineStage, 0, len(rows))
	for _, st := range stageOrder {
		for _, r := range rows {
			if r.Stage == st {
				out = append(out, r)
			}
		}
	}
	return out
}
