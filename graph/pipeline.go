package graph

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/question"
	"backbone/graph/model"
	"backbone/internal/questions"
	"backbone/internal/queue"
	"backbone/internal/viewer"
)

// pipeline is a question's AI pipeline as the viewer may see it; nil when the question
// predates the pipeline or the viewer may not read it.
func (r *Resolver) pipeline(ctx context.Context, q *ent.Question) (*model.Pipeline, error) {
	v, err := r.questionLoaders(ctx, q).pipelines.Load(ctx, q.ID)
	if err != nil || v.Status == "" {
		return nil, err
	}
	out := &model.Pipeline{Status: v.Status, Stages: make([]*model.PipelineStage, len(v.Stages))}
	if v.Reason != "" {
		out.Reason = &v.Reason
	}
	for i, st := range v.Stages {
		ps := &model.PipelineStage{Stage: st.Stage, Status: question.PipelineStatus(st.Status), Attempts: st.Attempts,
			StartedAt: st.StartedAt, FinishedAt: st.FinishedAt}
		if v.Detail >= questions.PipelineModel && st.Model != "" {
			ps.Model, ps.PromptTokens, ps.CompletionTokens = &st.Model, &st.PromptTokens, &st.CompletionTokens
		}
		if v.Detail >= questions.PipelineFull && st.Error != "" {
			ps.Error = &st.Error
		}
		out.Stages[i] = ps
	}
	return out, nil
}

// seesOriginality reports whether the viewer may see the originality of the revisions
// of question id: admins, and the expert who holds it (questions.SeesAIDetails). The
// revision itself was already allowed by the questions service.
func (r *Resolver) seesOriginality(ctx context.Context, questionID uuid.UUID) (bool, error) {
	p, ok := viewer.From(ctx)
	if !ok {
		return false, nil
	}
	if p.IsAdmin() {
		return true, nil
	}
	q, err := r.loaders(ctx).questions.Load(ctx, questionID)
	if err != nil {
		return false, err
	}
	return questions.SeesAIDetails(p, q), nil
}

// originalityMatches converts the stored matches; the other question is named to admins only.
func (r *Resolver) originalityMatches(ctx context.Context, rev *ent.AnswerRevision) ([]*model.OriginalityMatch, error) {
	if ok, err := r.seesOriginality(ctx, rev.QuestionID); !ok || err != nil || rev.OriginalityScore == nil {
		return nil, err
	}
	p, _ := viewer.From(ctx)
	out := make([]*model.OriginalityMatch, 0, len(rev.OriginalityMatches))
	for _, m := range rev.OriginalityMatches {
		overlap, _ := m["overlap"].(float64)
		match := &model.OriginalityMatch{Overlap: overlap}
		if id, err := uuid.Parse(stringOf(m["questionId"])); err == nil && p.IsAdmin() {
			q, err := r.loaders(ctx).questions.Load(ctx, id)
			if err != nil && !ent.IsNotFound(err) {
				return nil, err
			}
			match.Question = q
		}
		out = append(out, match)
	}
	return out, nil
}

// basedOn is the revision an expert answer was edited from, if the viewer may see it.
func (r *Resolver) basedOn(ctx context.Context, rev *ent.AnswerRevision) (*ent.AnswerRevision, error) {
	if rev.BasedOnID == nil {
		return nil, nil
	}
	revs, err := r.loaders(ctx).revisions.Load(ctx, rev.QuestionID)
	for _, x := range revs {
		if x.ID == *rev.BasedOnID {
			return x, err
		}
	}
	return nil, err
}

func stringOf(v any) string { s, _ := v.(string); return s }

// deadJobs converts the queue's dead letters.
func deadJobs(dead []queue.DeadLetter) []*model.DeadJob {
	out := make([]*model.DeadJob, len(dead))
	for i, d := range dead {
		out[i] = &model.DeadJob{Topic: d.Job.Topic, ID: d.Job.ID, Attempts: d.Job.Attempt, Reason: d.Reason, Payload: string(d.Job.Payload)}
	}
	return out
}
