package analytics

import (
	"bytes"
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/analyticsday"
	"backbone/ent/analyticsduration"
	"backbone/ent/analyticsexpertday"
	"backbone/ent/analyticsexpertmonth"
	"backbone/ent/predicate"
	"backbone/ent/question"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/textx"
	"backbone/internal/timex"
	"backbone/internal/viewer"
)

// Bucket is the span of a time series' points.
type Bucket string

// Buckets: UTC days, ISO weeks (Monday first), calendar months.
const (
	Day   Bucket = "DAY"
	Week  Bucket = "WEEK"
	Month Bucket = "MONTH"
)

// Limits of a request.
const (
	// MaxSpan bounds to - from once rounded out to whole days: two years of daily rows.
	MaxSpan = 731 * 24 * time.Hour
	// MaxFirst bounds a leaderboard's length; DefaultFirst is its length when not given.
	MaxFirst     = 100
	DefaultFirst = 10
)

// Point is the figures of one period [Start, End).
type Point struct {
	Start, End time.Time
	Figures
	// Medians in seconds (the middle of their histogram bucket); nil when none.
	MedianToClaim, MedianToDeliver *float64
}

// span is a validated request: whole UTC days [from, to).
type span struct{ from, to time.Time }

// String spells the span in cache keys.
func (sp span) String() string {
	return sp.from.Format(time.DateOnly) + "/" + sp.to.Format(time.DateOnly)
}

// check authorizes an admin (a read-only API key will do) and turns [from, to) into
// whole UTC days: from rounded down, to up. Errors: UNAUTHENTICATED, FORBIDDEN,
// BAD_USER_INPUT.
func check(ctx context.Context, from, to time.Time) (span, error) {
	p, err := viewer.Required(ctx)
	switch {
	case err != nil:
		return span{}, err
	case !p.IsAdmin():
		return span{}, errs.E(errs.Forbidden, "admins only")
	// timex.InReportRange leaves room for a week or a month bucket to reach past to.
	case !timex.InReportRange(from):
		return span{}, errs.E(errs.BadUserInput, "from must be between 1970-01-01 and 9000-01-01").With("field", "from")
	case !timex.InReportRange(to):
		return span{}, errs.E(errs.BadUserInput, "to must be between 1970-01-01 and 9000-01-01").With("field", "to")
	case !from.Before(to):
		return span{}, errs.E(errs.BadUserInput, "from must be before to").With("field", "from")
	}
	end := dayOf(to)
	if end.Before(to) {
		end = end.Add(24 * time.Hour)
	}
	// The limit is on the days read, so on the rounded span: 23:59:59 of one day to
	// 23:59:58 two years on is under 731 days, but reads 732.
	sp := span{dayOf(from), end}
	if sp.to.Sub(sp.from) > MaxSpan {
		return span{}, errs.E(errs.BadUserInput, "from and to, rounded out to whole UTC days, may be at most 731 days apart").With("field", "to")
	}
	return sp, nil
}

// Series returns one point per bucket of [from, to) for subject (nil: every subject; blank
// is BAD_USER_INPUT), read from the daily rollups; days without activity count zero. The
// points are shared with other callers: read them only. Errors: UNAUTHENTICATED,
// FORBIDDEN, BAD_USER_INPUT.
func (s *Service) Series(ctx context.Context, from, to time.Time, bucket Bucket, subject *string) ([]Point, error) {
	sp, err := check(ctx, from, to)
	if err == nil && bucket != Day && bucket != Week && bucket != Month {
		err = errs.E(errs.BadUserInput, "unknown bucket").With("field", "bucket")
	}
	if err != nil {
		return nil, errs.Wrap("analytics.Series", err)
	}
	key := ""
	if subject != nil {
		// Subjects match in any case, as everywhere (settings.Subject); the rollups keep
		// the questions' spelling. Plain refuses a NUL, which PostgreSQL would fail on.
		clean, err := textx.Plain("subject", *subject, 200, false)
		if err == nil && clean == "" {
			// An empty key is every subject's: a blank subject is a mistake, not "all".
			err = errs.E(errs.BadUserInput, "subject must not be blank; omit it for every subject").With("field", "subject")
		}
		if err != nil {
			return nil, errs.Wrap("analytics.Series", err)
		}
		key = strings.ToLower(clean)
	}
	return cached(ctx, s.memo, "series|"+sp.String()+"|"+string(bucket)+"|"+key,
		func(ctx context.Context) ([]Point, error) { return s.series(db.System(ctx), sp, bucket, key) })
}

// series reads Series' points from the rollups.
func (s *Service) series(ctx context.Context, sp span, bucket Bucket, key string) ([]Point, error) {
	var points []Point
	index := map[time.Time]int{}
	for start := sp.from; start.Before(sp.to); {
		end := bucketEnd(start, bucket)
		if end.After(sp.to) {
			end = sp.to
		}
		for d := start; d.Before(end); d = d.Add(24 * time.Hour) {
			index[d] = len(points)
		}
		points = append(points, Point{Start: start, End: end})
		start = end
	}
	err := s.readDays(ctx, sp, key, func(day time.Time, f Figures) {
		points[index[dayOf(day)]].add(f)
	})
	if err == nil {
		err = s.medians(ctx, sp, key, points, index)
	}
	if err != nil {
		return nil, errs.Wrap("analytics.Series", err)
	}
	return points, nil
}

// bucketEnd is the end of the bucket that starts at day (or that day falls in).
func bucketEnd(day time.Time, b Bucket) time.Time {
	switch b {
	case Week:
		back := (int(day.Weekday()) + 6) % 7 // days since Monday
		return day.AddDate(0, 0, 7-back)
	case Month:
		return time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	}
	return day.Add(24 * time.Hour)
}

// SubjectPoint is one subject's figures over a period.
type SubjectPoint struct {
	Subject string
	Point
}

// BySubject returns each subject's figures over [from, to), by subject name, shared with
// other callers as Series' are. Errors: UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT.
func (s *Service) BySubject(ctx context.Context, from, to time.Time) ([]SubjectPoint, error) {
	sp, err := check(ctx, from, to)
	if err != nil {
		return nil, errs.Wrap("analytics.BySubject", err)
	}
	return cached(ctx, s.memo, "subjects|"+sp.String(),
		func(ctx context.Context) ([]SubjectPoint, error) { return s.bySubject(db.System(ctx), sp) })
}

// bySubject reads BySubject's figures from the rollups.
func (s *Service) bySubject(ctx context.Context, sp span) ([]SubjectPoint, error) {
	var err error
	var sums []struct {
		Subject   string `json:"subject"`
		Submitted int64  `json:"submitted"`
		Accepted  int64  `json:"accepted"`
		Cancelled int64  `json:"cancelled"`
		Declined  int64  `json:"declined"`
		Expired   int64  `json:"expired"`
		Disputed  int64  `json:"disputed"`
		Breaches  int64  `json:"breaches"`
		Captured  int64  `json:"captured"`
		Fees      int64  `json:"fees"`
		Refunded  int64  `json:"refunded"`
		Payouts   int64  `json:"payouts"`
	}
	err = s.db.Client.AnalyticsDay.Query().
		Where(analyticsday.SubjectNEQ(""), analyticsday.DayGTE(sp.from), analyticsday.DayLT(sp.to)).
		GroupBy(analyticsday.FieldSubject).
		Aggregate(ent.As(ent.Sum(analyticsday.FieldSubmitted), "submitted"), ent.As(ent.Sum(analyticsday.FieldAccepted), "accepted"),
			ent.As(ent.Sum(analyticsday.FieldCancelled), "cancelled"), ent.As(ent.Sum(analyticsday.FieldDeclined), "declined"),
			ent.As(ent.Sum(analyticsday.FieldExpired), "expired"), ent.As(ent.Sum(analyticsday.FieldDisputed), "disputed"),
			ent.As(ent.Sum(analyticsday.FieldBreaches), "breaches"), ent.As(ent.Sum(analyticsday.FieldCaptured), "captured"),
			ent.As(ent.Sum(analyticsday.FieldFees), "fees"), ent.As(ent.Sum(analyticsday.FieldRefunded), "refunded"),
			ent.As(ent.Sum(analyticsday.FieldPayouts), "payouts")).
		Scan(ctx, &sums)
	if err != nil {
		return nil, errs.Wrap("analytics.BySubject", err)
	}
	durations, err := s.db.Client.AnalyticsDuration.Query().
		Where(analyticsduration.SubjectNEQ(""), analyticsduration.DayGTE(sp.from), analyticsduration.DayLT(sp.to)).All(ctx)
	if err != nil {
		return nil, errs.Wrap("analytics.BySubject", err)
	}
	// A subject renamed in case only (settings match subjects in any case) keeps rows
	// under both spellings: it counts once, under its newest question's.
	type folded struct {
		SubjectPoint
		spellings    []string
		claim, deliv histogram
	}
	byKey := map[string]*folded{}
	var order []*folded
	for _, r := range sums {
		k := strings.ToLower(r.Subject)
		f := byKey[k]
		if f == nil {
			f = &folded{SubjectPoint: SubjectPoint{Subject: r.Subject, Point: Point{Start: sp.from, End: sp.to}}}
			byKey[k] = f
			order = append(order, f)
		}
		f.spellings = append(f.spellings, r.Subject)
		f.Figures.add(Figures{Submitted: r.Submitted, Accepted: r.Accepted, Cancelled: r.Cancelled, Declined: r.Declined,
			Expired: r.Expired, Disputed: r.Disputed, Breaches: r.Breaches, Captured: r.Captured, Fees: r.Fees,
			Refunded: r.Refunded, Payouts: r.Payouts})
	}
	for _, d := range durations {
		f := byKey[strings.ToLower(d.Subject)]
		if f == nil {
			continue // no day rows in the span: nothing to show it under
		}
		var h *histogram
		switch string(d.Kind) {
		case kindClaim:
			h = &f.claim
		case kindDeliver:
			h = &f.deliv
		default:
			continue
		}
		if err := h.addEncoded(d.Counts); err != nil {
			return nil, errs.Wrap("analytics.BySubject", err)
		}
	}
	out := make([]SubjectPoint, len(order))
	for i, f := range order {
		if len(f.spellings) > 1 {
			// The spelling of the newest question: rollup days hold both spellings on the
			// day of a rename, and only the questions say which came last.
			latest, err := s.db.Client.Question.Query().Where(question.SubjectIn(f.spellings...)).
				Order(ent.Desc(question.FieldCreatedAt), ent.Desc(question.FieldID)).Limit(1).
				Select(question.FieldSubject).String(ctx)
			switch {
			case err == nil:
				f.Subject = latest
			case !ent.IsNotFound(err): // no question left of either spelling: the first stays
				return nil, errs.Wrap("analytics.BySubject", err)
			}
		}
		f.MedianToClaim, f.MedianToDeliver = f.claim.median(), f.deliv.median()
		out[i] = f.SubjectPoint
	}
	slices.SortFunc(out, func(a, b SubjectPoint) int { return cmp.Compare(a.Subject, b.Subject) })
	return out, nil
}

// Leaderboard orders.
const (
	ByAccepted = "ACCEPTED"
	ByRating   = "RATING"
	ByOnTime   = "ON_TIME"
)

// Leader is one expert's figures over a period.
type Leader struct {
	ExpertID uuid.UUID
	ExpertFigures
}

// AverageStars is the mean rating; nil without ratings.
func (l Leader) AverageStars() *float64 { return ratio(l.Stars, l.Ratings) }

// OnTimeRate is the share of first deliveries before the deadline; nil without any.
func (l Leader) OnTimeRate() *float64 { return ratio(l.OnTime, l.Delivered) }

func ratio(n, d int64) *float64 {
	if d == 0 {
		return nil
	}
	r := float64(n) / float64(d)
	return &r
}

// Leaderboard returns the first experts (nil: DefaultFirst) of [from, to) by accepted answers, average
// rating or on-time rate (experts with nothing to rank by are left out), ties broken by
// the count behind the figure, then by id. Errors: UNAUTHENTICATED, FORBIDDEN,
// BAD_USER_INPUT.
func (s *Service) Leaderboard(ctx context.Context, from, to time.Time, by string, firstOrNil *int) ([]Leader, error) {
	first := DefaultFirst
	if firstOrNil != nil {
		first = *firstOrNil
	}
	sp, err := check(ctx, from, to)
	switch {
	case err != nil:
	case by != ByAccepted && by != ByRating && by != ByOnTime:
		err = errs.E(errs.BadUserInput, "unknown order").With("field", "by")
	case first < 1 || first > MaxFirst:
		err = errs.Ef(errs.BadUserInput, "first must be 1 to %d", MaxFirst).With("field", "first")
	}
	if err != nil {
		return nil, errs.Wrap("analytics.Leaderboard", err)
	}
	byExpert, err := cached(ctx, s.memo, "experts|"+sp.String(),
		func(ctx context.Context) (map[uuid.UUID]*ExpertFigures, error) {
			return s.expertSums(db.System(ctx), sp)
		})
	if err != nil {
		return nil, errs.Wrap("analytics.Leaderboard", err)
	}
	var out []Leader
	for id, f := range byExpert {
		l := Leader{ExpertID: id, ExpertFigures: *f}
		if (by == ByAccepted && l.Accepted > 0) || (by == ByRating && l.Ratings > 0) || (by == ByOnTime && l.Delivered > 0) {
			out = append(out, l)
		}
	}
	slices.SortFunc(out, func(a, b Leader) int {
		var c int
		switch by {
		case ByAccepted:
			c = cmp.Compare(b.Accepted, a.Accepted)
		case ByRating:
			c = cmp.Or(cmp.Compare(*b.AverageStars(), *a.AverageStars()), cmp.Compare(b.Ratings, a.Ratings))
		case ByOnTime:
			c = cmp.Or(cmp.Compare(*b.OnTimeRate(), *a.OnTimeRate()), cmp.Compare(b.Delivered, a.Delivered))
		}
		return cmp.Or(c, bytes.Compare(a.ExpertID[:], b.ExpertID[:])) // as their text compares
	})
	return out[:min(first, len(out))], nil
}

// expertSum is one expert's summed figures as the GROUP BY queries scan them.
type expertSum struct {
	ExpertID  uuid.UUID `json:"expert_id"`
	Delivered int64     `json:"delivered"`
	OnTime    int64     `json:"ontime"`
	Accepted  int64     `json:"accepted"`
	Ratings   int64     `json:"ratings"`
	Stars     int64     `json:"stars"`
}

// expertSums sums each expert's figures over sp: whole calendar months from the monthly
// rollups, the days before the first and after the last whole month from the daily ones.
func (s *Service) expertSums(ctx context.Context, sp span) (map[uuid.UUID]*ExpertFigures, error) {
	firstMonth := monthOf(sp.from)
	if firstMonth.Before(sp.from) {
		firstMonth = firstMonth.AddDate(0, 1, 0)
	}
	lastMonth := monthOf(sp.to) // the whole months are [firstMonth, lastMonth)
	within := func(from, to time.Time) predicate.AnalyticsExpertDay {
		return analyticsexpertday.And(analyticsexpertday.DayGTE(from), analyticsexpertday.DayLT(to))
	}
	days := within(sp.from, sp.to)
	if firstMonth.Before(lastMonth) {
		// Two ranges, each an index range scan of its own: one range over the span with
		// the whole months filtered out scanned the year's rows to keep a few days' (32
		// against 20 ms for 300 experts over a year, EXPLAIN ANALYZE).
		days = analyticsexpertday.Or(within(sp.from, firstMonth), within(lastMonth, sp.to))
	}
	var rows []expertSum
	err := s.db.Client.AnalyticsExpertDay.Query().Where(days).
		GroupBy(analyticsexpertday.FieldExpertID).
		Aggregate(ent.As(ent.Sum(analyticsexpertday.FieldDelivered), "delivered"), ent.As(ent.Sum(analyticsexpertday.FieldOnTime), "ontime"),
			ent.As(ent.Sum(analyticsexpertday.FieldAccepted), "accepted"), ent.As(ent.Sum(analyticsexpertday.FieldRatings), "ratings"),
			ent.As(ent.Sum(analyticsexpertday.FieldStars), "stars")).
		Scan(ctx, &rows)
	if err != nil {
		return nil, err
	}
	if firstMonth.Before(lastMonth) {
		var months []expertSum
		err := s.db.Client.AnalyticsExpertMonth.Query().
			Where(analyticsexpertmonth.MonthGTE(firstMonth), analyticsexpertmonth.MonthLT(lastMonth)).
			GroupBy(analyticsexpertmonth.FieldExpertID).
			Aggregate(ent.As(ent.Sum(analyticsexpertmonth.FieldDelivered), "delivered"), ent.As(ent.Sum(analyticsexpertmonth.FieldOnTime), "ontime"),
				ent.As(ent.Sum(analyticsexpertmonth.FieldAccepted), "accepted"), ent.As(ent.Sum(analyticsexpertmonth.FieldRatings), "ratings"),
				ent.As(ent.Sum(analyticsexpertmonth.FieldStars), "stars")).
			Scan(ctx, &months)
		if err != nil {
			return nil, err
		}
		rows = append(rows, months...)
	}
	out := map[uuid.UUID]*ExpertFigures{}
	for _, r := range rows {
		f := out[r.ExpertID]
		if f == nil {
			f = &ExpertFigures{}
			out[r.ExpertID] = f
		}
		f.add(ExpertFigures{Delivered: r.Delivered, OnTime: r.OnTime, Accepted: r.Accepted, Ratings: r.Ratings, Stars: r.Stars})
	}
	return out, nil
}
