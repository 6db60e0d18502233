package analytics

import (
	"context"
	"fmt"
	"slices"

	"backbone/ent"
	"backbone/ent/analyticsday"
	"backbone/ent/analyticsduration"
	"backbone/ent/analyticsexpertday"
)

// apply adds d to the rollups in tx: one upsert per changed row, adding to what is there,
// so that concurrent consumers of different questions never lose each other's counts.
func apply(ctx context.Context, tx *ent.Client, d *delta) error {
	d.totals()
	for k, f := range d.days {
		err := dayRow(tx, k, f).
			OnConflictColumns(analyticsday.FieldSubject, analyticsday.FieldDay).
			Update(func(u *ent.AnalyticsDayUpsert) { addFigures(u, f) }).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup day: %w", err)
		}
	}
	for k, n := range d.durations {
		err := tx.AnalyticsDuration.Create().SetDay(k.day).SetSubject(k.subject).
			SetKind(analyticsduration.Kind(k.kind)).SetBucket(k.bucket).SetCount(n).
			OnConflictColumns(analyticsduration.FieldSubject, analyticsduration.FieldKind, analyticsduration.FieldDay, analyticsduration.FieldBucket).
			Update(func(u *ent.AnalyticsDurationUpsert) { u.AddCount(n) }).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup durations: %w", err)
		}
	}
	for k, e := range d.experts {
		err := expertRow(tx, k, e).
			OnConflictColumns(analyticsexpertday.FieldDay, analyticsexpertday.FieldExpertID).
			Update(func(u *ent.AnalyticsExpertDayUpsert) {
				u.AddDelivered(e.Delivered).AddOnTime(e.OnTime).AddAccepted(e.Accepted).AddRatings(e.Ratings).AddStars(e.Stars)
			}).Exec(ctx)
		if err != nil {
			return fmt.Errorf("rollup expert day: %w", err)
		}
	}
	return nil
}

// insertAll writes d as new rows (the rollups are empty: a rebuild), in batches.
func insertAll(ctx context.Context, tx *ent.Client, d *delta) error {
	d.totals()
	const batch = 500
	var days []*ent.AnalyticsDayCreate
	for k, f := range d.days {
		days = append(days, dayRow(tx, k, f))
	}
	for chunk := range slices.Chunk(days, batch) {
		if err := tx.AnalyticsDay.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert days: %w", err)
		}
	}
	var durations []*ent.AnalyticsDurationCreate
	for k, n := range d.durations {
		durations = append(durations, tx.AnalyticsDuration.Create().SetDay(k.day).SetSubject(k.subject).
			SetKind(analyticsduration.Kind(k.kind)).SetBucket(k.bucket).SetCount(n))
	}
	for chunk := range slices.Chunk(durations, batch) {
		if err := tx.AnalyticsDuration.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert durations: %w", err)
		}
	}
	var experts []*ent.AnalyticsExpertDayCreate
	for k, e := range d.experts {
		experts = append(experts, expertRow(tx, k, e))
	}
	for chunk := range slices.Chunk(experts, batch) {
		if err := tx.AnalyticsExpertDay.CreateBulk(chunk...).Exec(ctx); err != nil {
			return fmt.Errorf("insert expert days: %w", err)
		}
	}
	return nil
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
