package main

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"backbone/internal/analytics"
)

// Helpers of the analytics tests: the figures as GraphQL gives them, and the same figures
// computed by plain SQL over the base tables.

// anPoint is an AnalyticsPoint as the tests read it.
type anPoint struct {
	Start, End                                                                time.Time
	Submitted, Accepted, Cancelled, Declined, Expired, Disputed               int
	CreditsSpent, PlatformRevenue, Refunds, PayoutsApproved, DeadlineBreaches int
	MedianSecondsToClaim, MedianSecondsToDeliver                              *float64
}

const anPointFields = `start end submitted accepted cancelled declined expired disputed creditsSpent platformRevenue
	refunds payoutsApproved deadlineBreaches medianSecondsToClaim medianSecondsToDeliver`

const anSeriesQuery = `query($from: Time!, $to: Time!, $b: AnalyticsBucket!, $s: String) {
	analytics(from: $from, to: $to, bucket: $b, subject: $s) { ` + anPointFields + ` } }`

// anSeries reads the admin's analytics series.
func (w *azWorld) anSeries(t *testing.T, from, to time.Time, bucket string, subject *string) []anPoint {
	t.Helper()
	var out struct{ Analytics []anPoint }
	w.mustGQL(t, w.callers[azAdmin].Token, anSeriesQuery, map[string]any{"from": from, "to": to, "b": bucket, "s": subject}, &out)
	return out.Analytics
}

// anLeader is a LeaderboardEntry as the tests read it.
type anLeader struct {
	Expert                                   struct{ ID string }
	Accepted, Delivered, OnTime, RatingCount int
	OnTimeRate, AverageStars                 *float64
}

const anLeaderboardQuery = `query($from: Time!, $to: Time!, $by: LeaderboardOrder!, $n: Int!) {
	expertLeaderboard(from: $from, to: $to, by: $by, first: $n) { expert { id } accepted delivered onTime onTimeRate ratingCount averageStars } }`

func (w *azWorld) anLeaderboard(t *testing.T, from, to time.Time, by string) []anLeader {
	t.Helper()
	var out struct{ ExpertLeaderboard []anLeader }
	w.mustGQL(t, w.callers[azAdmin].Token, anLeaderboardQuery, map[string]any{"from": from, "to": to, "by": by, "n": 10}, &out)
	return out.ExpertLeaderboard
}

// anSQLDay computes the daily figures of [from, to) by plain SQL over the base tables, as
// the analytics fields define them, with medians as the middle of the histogram bucket
// of the exact lower median (percentile_disc).
func anSQLDays(t *testing.T, d *sql.DB, from, to time.Time) []anPoint {
	t.Helper()
	var out []anPoint
	byDay := map[time.Time]*anPoint{}
	for day := from; day.Before(to); day = day.Add(24 * time.Hour) {
		out = append(out, anPoint{Start: day, End: day.Add(24 * time.Hour)})
	}
	for i := range out {
		byDay[out[i].Start] = &out[i]
	}
	count := func(query string, set func(p *anPoint, n int)) {
		t.Helper()
		rows, err := d.QueryContext(context.Background(), query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			var day time.Time
			var n int
			if err := rows.Scan(&day, &n); err != nil {
				t.Fatal(err)
			}
			if p := byDay[day.UTC()]; p != nil {
				set(p, n)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	}
	const day = `date_trunc('day', %s AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`
	first := `WITH fc AS (SELECT question_id, min(claimed_at) AS at FROM assignments GROUP BY question_id),
		fd AS (SELECT DISTINCT ON (question_id) question_id, created_at AS at FROM answer_revisions
			WHERE kind = 'EXPERT' ORDER BY question_id, created_at, id) `
	count(`SELECT `+fmt.Sprintf(day, "created_at")+`, count(*) FROM questions GROUP BY 1`, func(p *anPoint, n int) { p.Submitted = n })
	for status, set := range map[string]func(p *anPoint, n int){
		"ACCEPTED": func(p *anPoint, n int) { p.Accepted = n }, "CANCELLED": func(p *anPoint, n int) { p.Cancelled = n },
		"DECLINED": func(p *anPoint, n int) { p.Declined = n }, "EXPIRED": func(p *anPoint, n int) { p.Expired = n },
	} {
		count(`SELECT `+fmt.Sprintf(day, "closed_at")+`, count(*) FROM questions WHERE status = '`+status+`' GROUP BY 1`, set)
	}
	count(`SELECT `+fmt.Sprintf(day, "created_at")+`, count(*) FROM disputes GROUP BY 1`, func(p *anPoint, n int) { p.Disputed = n })
	money := func(kind, extra string, set func(p *anPoint, n int)) {
		count(`SELECT `+fmt.Sprintf(day, "t.created_at")+`, sum(p.amount) FROM ledger_transactions t
			JOIN postings p ON p.transaction_id = t.id JOIN accounts a ON a.id = p.account_id
			WHERE t.kind = '`+kind+`' AND p.amount > 0 `+extra+` GROUP BY 1`, set)
	}
	money("CAPTURE", "", func(p *anPoint, n int) { p.CreditsSpent = n })
	money("CAPTURE", "AND a.kind = 'REVENUE'", func(p *anPoint, n int) { p.PlatformRevenue = n })
	money("RELEASE", "", func(p *anPoint, n int) { p.Refunds = n })
	money("PAYOUT_APPROVE", "", func(p *anPoint, n int) { p.PayoutsApproved = n })
	count(first+`SELECT `+fmt.Sprintf(day, "fd.at")+`, count(*) FROM fd JOIN questions q ON q.id = fd.question_id
		WHERE fd.at >= q.deadline GROUP BY 1`, func(p *anPoint, n int) { p.DeadlineBreaches += n })
	count(`SELECT `+fmt.Sprintf(day, "closed_at")+`, count(*) FROM questions WHERE status = 'EXPIRED' GROUP BY 1`,
		func(p *anPoint, n int) { p.DeadlineBreaches += n })
	median := func(query string, set func(p *anPoint, m *float64)) {
		rows, err := d.QueryContext(context.Background(), query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			var day time.Time
			var seconds float64
			if err := rows.Scan(&day, &seconds); err != nil {
				t.Fatal(err)
			}
			m := analytics.BucketMiddle(analytics.BucketOf(time.Duration(seconds * float64(time.Second))))
			if p := byDay[day.UTC()]; p != nil {
				set(p, &m)
			}
		}
	}
	median(first+`SELECT `+fmt.Sprintf(day, "fc.at")+`, percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fc.at - q.created_at))
		FROM fc JOIN questions q ON q.id = fc.question_id GROUP BY 1`, func(p *anPoint, m *float64) { p.MedianSecondsToClaim = m })
	median(first+`SELECT `+fmt.Sprintf(day, "fd.at")+`, percentile_disc(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM fd.at - fc.at))
		FROM fd JOIN fc ON fc.question_id = fd.question_id GROUP BY 1`, func(p *anPoint, m *float64) { p.MedianSecondsToDeliver = m })
	return out
}
