package questions

import (
	"context"
	"slices"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/answerrevision"
	"backbone/ent/assignment"
	"backbone/ent/dispute"
	"backbone/ent/posting"
	"backbone/ent/question"
	"backbone/ent/rating"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/timex"
)

// ExpertStats is an expert's performance in a period [From, To). The answer figures are
// about the cohort of questions whose first answer by the expert was delivered in the
// period, and how each has gone since; ratings and earnings count those given or paid in
// the period.
type ExpertStats struct {
	ExpertID uuid.UUID
	From     *time.Time // nil: from the beginning
	To       time.Time

	Delivered, Accepted, OnTime, Revised int
	Disputes                             DisputeOutcomes
	RatingCount, StarsTotal              int
	// Medians over the cohort; nil when it is empty.
	MedianToClaim, MedianToDeliver *time.Duration
	Earnings                       int64
}

// DisputeOutcomes counts the disputes of a cohort by how they ended.
type DisputeOutcomes struct {
	Opened, Open, NoRefund, PartialRefund, FullRefund int
}

// Rate is n as a share of the delivered answers; nil when none was delivered.
func (s ExpertStats) Rate(n int) *float64 {
	if s.Delivered == 0 {
		return nil
	}
	r := float64(n) / float64(s.Delivered)
	return &r
}

// AverageStars is the mean of the period's ratings; nil without any.
func (s ExpertStats) AverageStars() *float64 {
	if s.RatingCount == 0 {
		return nil
	}
	a := float64(s.StarsTotal) / float64(s.RatingCount)
	return &a
}

// statsChunk bounds the ids of one IN list.
const statsChunk = 1000

// ExpertStats computes an expert's figures from `from` (nil: the beginning) to `to`
// (nil: now): an expert their own (expertID nil or theirs), an admin expertID's (required).
// Every read is an indexed query for the one expert; the figures are cached (see
// StatsTTL) after the caller is authorized. Errors: UNAUTHENTICATED,
// FORBIDDEN (another expert's, or not an expert or admin), BAD_USER_INPUT (expertId
// missing for an admin, from or to outside 1970-01-01 to 9000-01-01, from not before
// to), NOT_FOUND (no such expert).
func (s *Service) ExpertStats(ctx context.Context, expertID *uuid.UUID, from, to *time.Time) (ExpertStats, error) {
	who, err := expertOrAdmin(ctx, expertID)
	if err == nil && who == nil {
		err = errs.E(errs.BadUserInput, "expertId is required").With("field", "expertId")
	}
	out := ExpertStats{From: from, To: s.now()}
	if to != nil {
		out.To = *to
	}
	switch {
	case err != nil:
	case from != nil && !timex.InReportRange(*from):
		err = errs.E(errs.BadUserInput, "from must be between 1970-01-01 and 9000-01-01").With("field", "from")
	case to != nil && !timex.InReportRange(*to):
		err = errs.E(errs.BadUserInput, "to must be between 1970-01-01 and 9000-01-01").With("field", "to")
	case from != nil && !from.Before(out.To):
		err = errs.E(errs.BadUserInput, "from must be before to").With("field", "from")
	}
	if err != nil {
		return ExpertStats{}, errs.Wrap("questions.ExpertStats", err)
	}
	out.ExpertID = *who
	out, err = s.cachedExpertStats(ctx, out, to == nil)
	return out, errs.Wrap("questions.ExpertStats", err)
}

// computeExpertStats fills the figures of out's expert and period from the database.
func (s *Service) computeExpertStats(ctx context.Context, out ExpertStats) (ExpertStats, error) {
	ctx = db.System(ctx) // authorized by the caller; the figures cross the clients' questions
	exists, err := s.db.Client.User.Query().Where(user.ID(out.ExpertID), user.RoleEQ(user.RoleEXPERT)).Exist(ctx)
	if err == nil && !exists {
		err = errs.E(errs.NotFound, "expert not found")
	}
	if err == nil {
		err = s.cohortStats(ctx, &out)
	}
	if err == nil {
		err = s.ratingStats(ctx, &out)
	}
	if err == nil {
		err = s.earningStats(ctx, &out)
	}
	return out, err
}

// earliest maps each question of rows to the earliest time of its rows.
func earliest[R any](rows []R, of func(R) (uuid.UUID, time.Time)) map[uuid.UUID]time.Time {
	out := map[uuid.UUID]time.Time{}
	for _, r := range rows {
		id, at := of(r)
		if t, ok := out[id]; !ok || at.Before(t) {
			out[id] = at
		}
	}
	return out
}

// cohortStats fills the answer figures: the questions whose first answer by the expert
// falls in the period (read from the expert's answers, index author_id, created_at),
// then those questions, the expert's first claim on each and their disputes.
func (s *Service) cohortStats(ctx context.Context, out *ExpertStats) error {
	revs, err := s.db.Client.AnswerRevision.Query().Where(answerrevision.AuthorID(out.ExpertID),
		answerrevision.KindEQ(answerrevision.KindEXPERT), answerrevision.CreatedAtLT(out.To)).
		Select(answerrevision.FieldQuestionID, answerrevision.FieldCreatedAt).All(ctx)
	if err != nil {
		return err
	}
	firstAnswer := earliest(revs, func(r *ent.AnswerRevision) (uuid.UUID, time.Time) { return r.QuestionID, r.CreatedAt })
	var cohort []uuid.UUID
	for id, t := range firstAnswer {
		if out.From == nil || !t.Before(*out.From) {
			cohort = append(cohort, id)
		}
	}
	var toClaim, toDeliver []time.Duration
	for chunk := range slices.Chunk(cohort, statsChunk) {
		qs, err := s.db.Client.Question.Query().Where(question.IDIn(chunk...)).All(ctx)
		if err != nil {
			return err
		}
		claims, err := s.db.Client.Assignment.Query().Where(assignment.QuestionIDIn(chunk...), assignment.ExpertID(out.ExpertID)).
			Select(assignment.FieldQuestionID, assignment.FieldClaimedAt).All(ctx)
		if err != nil {
			return err
		}
		firstClaim := earliest(claims, func(a *ent.Assignment) (uuid.UUID, time.Time) { return a.QuestionID, a.ClaimedAt })
		disputes, err := s.db.Client.Dispute.Query().Where(dispute.QuestionIDIn(chunk...)).All(ctx)
		if err != nil {
			return err
		}
		for _, d := range disputes {
			out.Disputes.count(d, qs)
		}
		for _, q := range qs {
			answered := firstAnswer[q.ID]
			out.Delivered++
			if q.Status == question.StatusACCEPTED && q.ExpertID != nil && *q.ExpertID == out.ExpertID {
				out.Accepted++
			}
			if answered.Before(q.Deadline) {
				out.OnTime++
			}
			if q.RevisionCount > 0 {
				out.Revised++
			}
			if claimed, ok := firstClaim[q.ID]; ok {
				toClaim = append(toClaim, claimed.Sub(q.CreatedAt))
				toDeliver = append(toDeliver, answered.Sub(claimed))
			}
		}
	}
	out.MedianToClaim, out.MedianToDeliver = median(toClaim), median(toDeliver)
	return nil
}

// count adds dispute d (of one of qs) to its outcome.
func (o *DisputeOutcomes) count(d *ent.Dispute, qs []*ent.Question) {
	o.Opened++
	i := slices.IndexFunc(qs, func(q *ent.Question) bool { return q.ID == d.QuestionID })
	switch {
	case d.Status == dispute.StatusOPEN || d.Refund == nil:
		o.Open++
	case *d.Refund == 0:
		o.NoRefund++
	case i >= 0 && *d.Refund >= qs[i].Price:
		o.FullRefund++
	default:
		o.PartialRefund++
	}
}

// ratingStats counts the ratings given in the period (index expert_id, created_at).
func (s *Service) ratingStats(ctx context.Context, out *ExpertStats) error {
	q := s.db.Client.Rating.Query().Where(rating.ExpertID(out.ExpertID), rating.CreatedAtLT(out.To))
	if out.From != nil {
		q.Where(rating.CreatedAtGTE(*out.From))
	}
	stars, err := q.Select(rating.FieldStars).Ints(ctx)
	if err != nil {
		return err
	}
	out.RatingCount = len(stars)
	for _, n := range stars {
		out.StarsTotal += n
	}
	return nil
}

// earningStats sums the captures credited to the expert's earnings in the period (index
// owner_id, created_at): accepted answers and dispute resolutions, after the fee.
func (s *Service) earningStats(ctx context.Context, out *ExpertStats) error {
	q := s.db.Client.Posting.Query().Where(posting.OwnerID(out.ExpertID), posting.KindEQ(posting.KindCAPTURE),
		posting.AmountGT(0), posting.CreatedAtLT(out.To))
	if out.From != nil {
		q.Where(posting.CreatedAtGTE(*out.From))
	}
	amounts, err := q.Select(posting.FieldAmount).Ints(ctx)
	if err != nil {
		return err
	}
	for _, n := range amounts {
		out.Earnings += int64(n)
	}
	return nil
}

// median is the middle of ds (the mean of the two middles of an even count), nil for
// none.
func median(ds []time.Duration) *time.Duration {
	if len(ds) == 0 {
		return nil
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return &m
}
