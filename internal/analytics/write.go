package analytics

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"backbone/ent"
	"backbone/ent/analyticsday"
	"backbone/ent/analyticsduration"
	"backbone/ent/analyticsexpertday"
	"backbone/ent/analyticsexpertmonth"
)

// apply adds d to the rollups in tx. Counters are upserts that add to what is there, so
// that concurrent consumers of different questions never lose each other's counts; a
// histogram row is read locked (on PostgreSQL: lock; SQLite transactions are serial),
// changed and written back. The rows are written in one order, whatever the order of
// d's maps: the tables in turn, each table's rows by key (see the compare methods).
// Consumers that touch the same rows then lock them in the same order, and wait for one
// another rather than deadlock.
func apply(ctx context.Context, tx *ent.Client, d *delta, lock bool) error {
	d.totals()
	for _, k := range sortedKeys(d.days, dayKey.compare) {
		f := d.days[k]
		err := dayRow(tx, k, f).
			OnConflictColumns(analyticsday.FieldSubject, analyticsday.FieldDay).
			Update(func(u *ent.AnalyticsDayUpsert) { addFigures(u, f) }).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup day: %w", err)
		}
	}
	histograms := d.histograms()
	for _, k := range sortedKeys(histograms, histogramKey.compare) {
		if err := addHistogram(ctx, tx, k, histograms[k], lock); err != nil {
			return err
		}
	}
	for _, k := range sortedKeys(d.experts, expertKey.compare) {
		e := d.experts[k]
		err := expertRow(tx, k, e).
			OnConflictColumns(analyticsexpertday.FieldDay, analyticsexpertday.FieldExpertID).
			Update(func(u *ent.AnalyticsExpertDayUpsert) {
				u.AddDelivered(e.Delivered).AddOnTime(e.OnTime).AddAccepted(e.Accepted).AddRatings(e.Ratings).AddStars(e.Stars)
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup expert day: %w", err)
		}
	}
	months := d.months()
	for _, k := range sortedKeys(months, expertKey.compare) {
		e := months[k]
		err := monthRow(tx, k, e).
			OnConflictColumns(analyticsexpertmonth.FieldMonth, analyticsexpertmonth.FieldExpertID).
			Update(func(u *ent.AnalyticsExpertMonthUpsert) {
				u.AddDelivered(e.Delivered).AddOnTime(e.OnTime).AddAccepted(e.Accepted).AddRatings(e.Ratings).AddStars(e.Stars)
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup expert month: %w", err)
		}
	}
	return nil
}

// addHistogram adds h to the histogram row k. A row created by two consumers at once
// fails one of them on the unique index; Refresh runs it again.
func addHistogram(ctx context.Context, tx *ent.Client, k histogramKey, h *histogram, lock bool) error {
	q := tx.AnalyticsDuration.Query().Where(analyticsduration.Subject(k.subject),
		analyticsduration.KindEQ(analyticsduration.Kind(k.kind)), analyticsduration.Day(k.day))
	if lock {
		q.ForUpdate()
	}
	row, err := q.Only(ctx)
	switch {
	case ent.IsNotFound(err):
		err = tx.AnalyticsDuration.Create().SetDay(k.day).SetSubject(k.subject).
			SetKind(analyticsduration.Kind(k.kind)).SetCounts(h.encode()).Exec(ctx)
	case err == nil:
		if err = h.addEncoded(row.Counts); err == nil {
			err = tx.AnalyticsDuration.UpdateOne(row).SetCounts(h.encode()).Exec(ctx)
		}
	}
	if err != nil {
		return fmt.Errorf("rollup durations: %w", err)
	}
	return nil
}

// insertAll writes d as new rows (the rollups are empty: a rebuild), in batches, in the
// order apply writes them.
func insertAll(ctx context.Context, tx *ent.Client, d *delta) error {
	d.totals()
	const batch = 500
	var days []*ent.AnalyticsDayCreate
	for _, k := range sortedKeys(d.days, dayKey.compare) {
		days = append(days, dayRow(tx, k, d.days[k]))
	}
	for chunk := range slices.Chunk(days, batch) {
		if err := tx.AnalyticsDay.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert days: %w", err)
		}
	}
	var histograms []*ent.AnalyticsDurationCreate
	byKey := d.histograms()
	for _, k := range sortedKeys(byKey, histogramKey.compare) {
		histograms = append(histograms, tx.AnalyticsDuration.Create().SetDay(k.day).SetSubject(k.subject).
			SetKind(analyticsduration.Kind(k.kind)).SetCounts(byKey[k].encode()))
	}
	for chunk := range slices.Chunk(histograms, batch) {
		if err := tx.AnalyticsDuration.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert durations: %w", err)
		}
	}
	var experts []*ent.AnalyticsExpertDayCreate
	for _, k := range sortedKeys(d.experts, expertKey.compare) {
		experts = append(experts, expertRow(tx, k, d.experts[k]))
	}
	for chunk := range slices.Chunk(experts, batch) {
		if err := tx.AnalyticsExpertDay.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert expert days: %w", err)
		}
	}
	var months []*ent.AnalyticsExpertMonthCreate
	monthly := d.months()
	for _, k := range sortedKeys(monthly, expertKey.compare) {
		months = append(months, monthRow(tx, k, monthly[k]))
	}
	for chunk := range slices.Chunk(months, batch) {
		if err := tx.AnalyticsExpertMonth.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert expert months: %w", err)
		}
	}
	return nil
}

// sortedKeys returns m's keys in the order compare gives them.
func sortedKeys[K comparable, V any](m map[K]V, compare func(a, b K) int) []K {
	return slices.SortedFunc(maps.Keys(m), compare)
}

// The order of each table's rows: by day, then by the rest of the key.

func (k dayKey) compare(o dayKey) int {
	return cmp.Or(k.day.Compare(o.day), cmp.Compare(k.subject, o.subject))
}

func (k histogramKey) compare(o histogramKey) int {
	return cmp.Or(k.day.Compare(o.day), cmp.Compare(k.subject, o.subject), cmp.Compare(k.kind, o.kind))
}

func (k expertKey) compare(o expertKey) int {
	return cmp.Or(k.day.Compare(o.day), bytes.Compare(k.expert[:], o.expert[:]))
}

func addFigures(u *ent.AnalyticsDayUpsert, f *Figures) {
	u.AddSubmitted(f.Submitted).AddAccepted(f.Accepted).AddCancelled(f.Cancelled).AddDeclined(f.Declined).
		AddExpired(f.Expired).AddDisputed(f.Disputed).AddBreaches(f.Breaches).AddCaptured(f.Captured).
		AddFees(f.Fees).AddRefunded(f.Refunded).AddPayouts(f.Payouts)
}

func dayRow(tx *ent.Client, k dayKey, f *Figures) *ent.AnalyticsDayCreate {
	return tx.AnalyticsDay.Create().SetDay(k.day).SetSubject(k.subject).
		SetSubmitted(f.Submitted).SetAccepted(f.Accepted).SetCancelled(f.Cancelled).SetDeclined(f.Declined).
		SetExpired(f.Expired).SetDisputed(f.Disputed).SetBreaches(f.Breaches).SetCaptured(f.Captured).
		SetFees(f.Fees).SetRefunded(f.Refunded).SetPayouts(f.Payouts)
}

func expertRow(tx *ent.Client, k expertKey, e *ExpertFigures) *ent.AnalyticsExpertDayCreate {
	return tx.AnalyticsExpertDay.Create().SetDay(k.day).SetExpertID(k.expert).SetDelivered(e.Delivered).
		SetOnTime(e.OnTime).SetAccepted(e.Accepted).SetRatings(e.Ratings).SetStars(e.Stars)
}

func monthRow(tx *ent.Client, k expertKey, e *ExpertFigures) *ent.AnalyticsExpertMonthCreate {
	return tx.AnalyticsExpertMonth.Create().SetMonth(k.day).SetExpertID(k.expert).SetDelivered(e.Delivered).
		SetOnTime(e.OnTime).SetAccepted(e.Accepted).SetRatings(e.Ratings).SetStars(e.Stars)
}
