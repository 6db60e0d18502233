package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"time"

	"entgo.io/contrib/entgql"

	"backbone/ent"
	"backbone/graph/model"
	"backbone/internal/questions"
	"backbone/internal/settings"
)

// Insight for experts and admins: expert stats, ratings, disputes, revision requests,
// the admins' question list and the settings' history.

// Newest-first orders of the insight connections.
var (
	newestRatingsFirst = ent.WithRatingOrder(&ent.RatingOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.RatingOrderFieldCreatedAt,
	})
	newestDisputesFirst = ent.WithDisputeOrder(&ent.DisputeOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.DisputeOrderFieldCreatedAt,
	})
	newestVersionsFirst = ent.WithSettingsVersionOrder(&ent.SettingsVersionOrder{
		Direction: entgql.OrderDirectionDesc, Field: ent.SettingsVersionOrderFieldVersion,
	})
)

// questionsOrder is the order of the admins' question list (newest first by default).
func questionsOrder(o *model.QuestionsOrder) ent.QuestionPaginateOption {
	if o == nil {
		return newestQuestionsFirst
	}
	field := ent.QuestionOrderFieldCreatedAt
	switch o.Field {
	case model.QuestionsOrderFieldDeadline:
		field = ent.QuestionOrderFieldDeadline
	case model.QuestionsOrderFieldPrice:
		field = ent.QuestionOrderFieldPrice
	}
	return ent.WithQuestionOrder(&ent.QuestionOrder{Direction: o.Direction, Field: field})
}

// questionsFilter converts the admins' filter to the service's.
func questionsFilter(f *model.QuestionsFilter) (questions.QuestionFilter, error) {
	if f == nil {
		return questions.QuestionFilter{}, nil
	}
	out := questions.QuestionFilter{Status: f.Status, Subject: f.Subject, Overdue: f.Overdue,
		CreatedFrom: f.CreatedFrom, CreatedTo: f.CreatedTo, Text: f.Text}
	var err error
	if out.ClientID, err = optionalUserID("clientId", f.ClientID); err != nil {
		return out, err
	}
	out.ExpertID, err = optionalUserID("expertId", f.ExpertID)
	return out, err
}

// expertStats converts the service's figures to the GraphQL type.
func (r *Resolver) expertStats(ctx context.Context, s questions.ExpertStats) (*model.ExpertStats, error) {
	expert, err := r.loaders(ctx).users.Load(ctx, s.ExpertID)
	if err != nil {
		return nil, err
	}
	return &model.ExpertStats{
		Expert: expert, From: s.From, To: s.To,
		AnswersDelivered: s.Delivered, Accepted: s.Accepted, AcceptanceRate: s.Rate(s.Accepted),
		AverageStars: s.AverageStars(), RatingCount: s.RatingCount,
		OnTimeRate: s.Rate(s.OnTime), RevisionRate: s.Rate(s.Revised),
		Disputes: &model.ExpertDisputeStats{Opened: s.Disputes.Opened, Open: s.Disputes.Open,
			NoRefund: s.Disputes.NoRefund, PartialRefund: s.Disputes.PartialRefund, FullRefund: s.Disputes.FullRefund},
		MedianSecondsToClaim: wholeSeconds(s.MedianToClaim), MedianSecondsToDeliver: wholeSeconds(s.MedianToDeliver),
		Earnings: int(s.Earnings),
	}, nil
}

// wholeSeconds is d in whole seconds, or nil.
func wholeSeconds(d *time.Duration) *int {
	if d == nil {
		return nil
	}
	n := int(*d / time.Second)
	return &n
}

// questionTerms is the GraphQL form of q's terms; nil for a question without any.
func questionTerms(q *ent.Question) *model.QuestionTerms {
	t, ok := questions.TermsOf(q)
	if !ok {
		return nil
	}
	return &model.QuestionTerms{SettingsVersion: t.SettingsVersion, AutoAcceptSeconds: int(t.AutoAcceptDelay / time.Second),
		RevisionLimit: t.RevisionLimit, LeaseSeconds: int(t.Lease / time.Second), PlatformFeeBps: t.PlatformFeeBPS}
}

// revisionRequests lists q's revision requests for its parties; nil for anyone else.
func (r *Resolver) revisionRequests(ctx context.Context, q *ent.Question) ([]*ent.RevisionRequest, error) {
	if !questions.Party(ctx, q) {
		return nil, nil
	}
	reqs, err := r.questionLoaders(ctx, q).revisionRequests.Load(ctx, q.ID)
	if reqs == nil && err == nil {
		reqs = []*ent.RevisionRequest{}
	}
	return reqs, err
}

// questionDispute is q's dispute for its parties; nil for anyone else, or without one.
func (r *Resolver) questionDispute(ctx context.Context, q *ent.Question) (*ent.Dispute, error) {
	if !questions.Party(ctx, q) {
		return nil, nil
	}
	return r.questionLoaders(ctx, q).disputes.Load(ctx, q.ID)
}

// disputeQuestion is the question of a dispute read past the read rules, for what the
// dispute itself tells whoever may read it (amountAtStake): a dispute stays its expert's
// to read after they may no longer read its question (made a client). Dispute.question
// shows the question only as question(id:) would (visibleQuestion).
func (r *Resolver) disputeQuestion(ctx context.Context, d *ent.Dispute) (*ent.Question, error) {
	return r.loaders(ctx).questions.Load(ctx, d.QuestionID)
}

// settingChanges lists what a settings version changed.
func settingChanges(v *ent.SettingsVersion) []*model.SettingChange {
	changes := settings.Changes(v)
	out := make([]*model.SettingChange, len(changes))
	for i, c := range changes {
		out[i] = &model.SettingChange{Setting: c.Key, OldValue: jsonText(c.Old), NewValue: jsonText(c.New)}
	}
	return out
}

// jsonText is raw as compact JSON text with its object keys sorted, "null" when empty:
// the same text on either database (PostgreSQL's jsonb spaces and reorders what it
// stores; SQLite keeps it as written).
func jsonText(raw []byte) string {
	if len(raw) == 0 {
		return "null"
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return string(raw)
	}
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return string(raw)
	}
	return strings.TrimSuffix(out.String(), "\n")
}
