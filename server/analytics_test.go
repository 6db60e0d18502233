package main

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"backbone/internal/analytics"
	"backbone/internal/db"
	"backbone/internal/events"
	"backbone/internal/queue"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestAnalyticsRollupsMatchTheBaseTables: after a scripted stretch of activity over two
// days (submissions, claims, deliveries, acceptances with ratings, a revision, disputes
// resolved and open, a cancellation, a decline, an expiry, a payout), analytics equals a
// plain SQL computation over the base tables; redelivered events change nothing; the
// rebuild command gives the same figures as the live consumer.
func TestAnalyticsRollupsMatchTheBaseTables(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	w := newAzWorld(t, map[string]string{"DATABASE_URL": url})
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	ctx := w.system()
	client, expert, other := w.register(t, false), w.qfExpert(t), w.qfExpert(t)

	// A question submitted yesterday and claimed today, a day later: it counts as submitted
	// yesterday, and its claim took a day. Exactly 24 hours back is yesterday's date at any
	// time of day (26 hours was two days back before 02:00 UTC).
	late := w.qfWaiting(t, client)
	anExec(t, w, `UPDATE questions SET created_at = created_at - interval '24 hours' WHERE id = $1`, azUUID(t, late))
	w.qfClaim(t, expert, late)
	w.qfAnswer(t, expert, late, "Shorter wavelengths scatter more.")
	w.inAccept(t, client, late, 4, "")

	great := w.qfDelivered(t, client, expert)
	w.inAccept(t, client, great, 5, "Great")
	revised := w.qfDelivered(t, client, expert)
	w.inRevise(t, client, expert, revised, "Add an example.", "Blue light scatters about five times more than red.")
	w.inAccept(t, client, revised, 3, "")
	partly := w.qfDisputed(t, client, other)
	w.inResolve(t, partly, 5, "Half right.")
	w.qfDisputed(t, client, other) // still open
	w.qfCancelled(t, client)
	declined := w.qfClaimed(t, client, other)
	var dec struct{ DeclineQuestion struct{ Status string } }
	w.mustGQL(t, other.Token, `mutation($id: ID!) { declineQuestion(id: $id, reason: "Out of scope.") { status } }`,
		map[string]any{"id": declined}, &dec)
	// An expiry: the deadline passes with no expert, and a sweep expires the question.
	expiring := w.qfWaiting(t, client)
	anExec(t, w, `UPDATE questions SET deadline = now() - interval '1 minute' WHERE id = $1`, azUUID(t, expiring))
	if _, err := inSweeper(t, url).ExpireDeadlines(ctx); err != nil {
		t.Fatal(err)
	}
	w.qfAwait(t, client.Token, expiring, "EXPIRED")
	w.acSetPayoutMethod(t, expert.Token, "BANK_TRANSFER", acIBAN)
	po := w.wfRequestPayout(t, expert.Token, 10, "an-payout")
	w.wfDecide(t, po.ID, true, "ok")

	today := time.Now().UTC().Truncate(24 * time.Hour)
	from, to := today.Add(-24*time.Hour), today.Add(24*time.Hour)
	want := anSQLDays(t, d.SQL, from, to)
	if want[0].Submitted != 1 || want[1].Accepted != 3 || want[1].PayoutsApproved != 10 || want[1].Expired != 1 {
		t.Fatalf("the scripted days by SQL: %+v", want)
	}
	// The consumer runs behind the requests: wait until it has caught up.
	got := anEventually(t, func() []anPoint { return w.anSeries(t, from, to, "DAY", nil) }, want)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("analytics by day:\n got %+v\nwant %+v", got, want)
	}
	leaders := w.anLeaderboard(t, from, to, "ACCEPTED")
	if len(leaders) != 1 || leaders[0].Expert.ID != expert.ID || leaders[0].Accepted != 3 || leaders[0].Delivered != 3 ||
		leaders[0].RatingCount != 3 || !inIs(leaders[0].AverageStars, 4) {
		t.Fatalf("leaderboard by accepted: %+v", leaders)
	}
	if byTime := w.anLeaderboard(t, from, to, "ON_TIME"); len(byTime) != 2 || byTime[0].Delivered != 3 {
		t.Fatalf("leaderboard by on-time rate: %+v", byTime)
	}
	// first outside 1..100 gets one message, whatever side (a connection's "between 0 and
	// 100" answered the large ones).
	for _, n := range []int{0, 101, 1 << 40} {
		_, r := w.gql(t, w.callers[azAdmin].Token, anLeaderboardQuery, map[string]any{"from": from, "to": to, "by": "ACCEPTED", "n": n})
		if len(r.Errors) != 1 || r.Errors[0].Message != "first must be 1 to 100" || r.Errors[0].Extensions["field"] != "first" {
			t.Errorf("leaderboard first %d: %+v", n, r.Errors)
		}
	}

	// Every question and ledger event handed again to the consumer changes nothing.
	// An uncached service reads the rollups as they are now (the server's reads are cached
	// for analytics.CacheTTL).
	a := analytics.New(d, nil)
	msgs, err := d.Client.OutboxMessage.Query().All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	redelivered := 0
	for _, m := range msgs {
		if m.Topic == events.TopicQuestionUpdated || m.Topic == events.TopicLedgerPosted {
			if err := a.HandleJob(ctx, queue.Job{Topic: analytics.JobTopic(m.Topic), ID: m.ID.String(), Payload: m.Payload}); err != nil {
				t.Fatalf("redeliver %s: %v", m.Topic, err)
			}
			redelivered++
		}
	}
	if redelivered < 20 {
		t.Fatalf("only %d events to redeliver", redelivered)
	}
	if again := anRead(t, w, a, from, to); !reflect.DeepEqual(again, want) {
		t.Fatalf("after redelivering %d events:\n got %+v\nwant %+v", redelivered, again, want)
	}

	// The rebuild from the base tables gives the same figures.
	var out, errOut strings.Builder
	if err := dispatch(context.Background(), []string{"rollups", "rebuild"}, mapEnv(map[string]string{"DATABASE_URL": url}), &out, &errOut); err != nil {
		t.Fatalf("rollups rebuild: %v\n%s", err, errOut.String())
	}
	if rebuilt := anRead(t, w, a, from, to); !reflect.DeepEqual(rebuilt, want) {
		t.Fatalf("after the rebuild (%s):\n got %+v\nwant %+v", out.String(), rebuilt, want)
	}
	adminCtx := viewer.With(ctx, viewer.Principal{UserID: w.callers[azAdmin].UUID, Role: viewer.RoleAdmin})
	if again, err := a.Leaderboard(adminCtx, from, to, analytics.ByAccepted, nil); err != nil || len(again) != 1 ||
		again[0].Accepted != 3 || again[0].Delivered != 3 || again[0].Ratings != 3 || again[0].Stars != 12 {
		t.Fatalf("leaderboard after the rebuild: %+v %v", again, err)
	}

	// Weeks and months sum the days; one subject's series and the breakdown match the
	// whole (every question here has one subject).
	for _, bucket := range []string{"WEEK", "MONTH"} {
		var sum anPoint
		for _, p := range w.anSeries(t, from, to, bucket, nil) {
			sum.Submitted += p.Submitted
			sum.CreditsSpent += p.CreditsSpent
			sum.DeadlineBreaches += p.DeadlineBreaches
		}
		if sum.Submitted != want[0].Submitted+want[1].Submitted || sum.CreditsSpent != want[0].CreditsSpent+want[1].CreditsSpent ||
			sum.DeadlineBreaches != want[0].DeadlineBreaches+want[1].DeadlineBreaches {
			t.Fatalf("%s buckets sum to %+v", bucket, sum)
		}
	}
	var subjects struct {
		AnalyticsBySubject []struct {
			Subject string
			Figures anPoint
		}
	}
	w.mustGQL(t, w.callers[azAdmin].Token, `query($from: Time!, $to: Time!) { analyticsBySubject(from: $from, to: $to) { subject figures { `+anPointFields+` } } }`,
		map[string]any{"from": from, "to": to}, &subjects)
	if len(subjects.AnalyticsBySubject) != 1 || subjects.AnalyticsBySubject[0].Figures.Accepted != 3 ||
		subjects.AnalyticsBySubject[0].Figures.PayoutsApproved != 0 {
		t.Fatalf("by subject: %+v", subjects.AnalyticsBySubject)
	}
	subject := subjects.AnalyticsBySubject[0].Subject
	one := w.anSeries(t, from, to, "DAY", &subject)
	if one[1].Submitted != want[1].Submitted || one[1].PayoutsApproved != 0 || one[1].Refunds != want[1].Refunds {
		t.Fatalf("series of %q: %+v", subject, one)
	}

	// Bad ranges and lengths are the caller's mistake.
	admin := w.callers[azAdmin].Token
	w.wfFail(t, admin, "BAD_USER_INPUT", anSeriesQuery, map[string]any{"from": to, "to": from, "b": "DAY"})
	w.wfFail(t, admin, "BAD_USER_INPUT", anSeriesQuery, map[string]any{"from": to.AddDate(-3, 0, 0), "to": to, "b": "DAY"})
	// Dates no period can be written for (Go's zero time, the last day of year 9999).
	for _, r := range [][2]string{{"0001-01-01T00:00:00Z", "0001-01-02T00:00:00Z"}, {"9999-12-31T00:00:00Z", "9999-12-31T12:00:00Z"}} {
		for _, b := range []string{"DAY", "MONTH"} {
			w.wfFail(t, admin, "BAD_USER_INPUT", anSeriesQuery, map[string]any{"from": r[0], "to": r[1], "b": b})
		}
		w.wfFail(t, admin, "BAD_USER_INPUT", anLeaderboardQuery, map[string]any{"from": r[0], "to": r[1], "by": "RATING", "n": 10})
	}
	for _, n := range []int{0, 101} {
		w.wfFail(t, admin, "BAD_USER_INPUT", anLeaderboardQuery, map[string]any{"from": from, "to": to, "by": "RATING", "n": n})
	}
}

// anExec changes base rows behind the services' back, as time passing would.
func anExec(t *testing.T, w *azWorld, query string, args ...any) {
	t.Helper()
	if _, err := w.db.ExecContext(w.system(), query, args...); err != nil {
		t.Fatal(err)
	}
}

// anEventually reads until read returns want (the consumer caught up, and a cached
// earlier reading expired) or 60 seconds pass, and returns the last reading.
func anEventually(t *testing.T, read func() []anPoint, want []anPoint) []anPoint {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := read()
		if reflect.DeepEqual(got, want) || time.Now().After(deadline) {
			return got
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// anRead reads the daily series of [from, to) from the rollups as they are, through an
// uncached service, in the form GraphQL gives it.
func anRead(t *testing.T, w *azWorld, a *analytics.Service, from, to time.Time) []anPoint {
	t.Helper()
	ctx := viewer.With(context.Background(), viewer.Principal{UserID: w.callers[azAdmin].UUID, Role: viewer.RoleAdmin})
	points, err := a.Series(ctx, from, to, analytics.Day, nil)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]anPoint, len(points))
	for i, p := range points {
		out[i] = anPoint{Start: p.Start, End: p.End, Submitted: int(p.Submitted), Accepted: int(p.Accepted),
			Cancelled: int(p.Cancelled), Declined: int(p.Declined), Expired: int(p.Expired), Disputed: int(p.Disputed),
			CreditsSpent: int(p.Captured), PlatformRevenue: int(p.Fees), Refunds: int(p.Refunded),
			PayoutsApproved: int(p.Payouts), DeadlineBreaches: int(p.Breaches),
			MedianSecondsToClaim: p.MedianToClaim, MedianSecondsToDeliver: p.MedianToDeliver}
	}
	return out
}
