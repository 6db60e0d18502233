package analytics_test

import (
	"context"
	"testing"
	"time"

	"entgo.io/ent/privacy"
	"github.com/google/uuid"

	"backbone/ent/answerrevision"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/analytics"
	"backbone/internal/db"
	"backbone/internal/viewer"
)

// TestLeaderboardOverWholeMonthsAndTheDaysAround: a span over several months sums the
// days before its first whole month and after its last from the daily rollups, the
// whole months from the monthly ones, and nothing outside the span, on both databases.
func TestLeaderboardOverWholeMonthsAndTheDaysAround(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, d *db.DB) {
		ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
		c := d.Client
		client, expert := newUser(ctx, d, user.RoleCLIENT), newUser(ctx, d, user.RoleEXPERT)
		date := func(m time.Month, day int) time.Time { return time.Date(2025, m, day, 0, 0, 0, 0, time.UTC) }
		from, to := date(time.January, 20), date(time.April, 10) // whole months: February, March
		// One question accepted on each day, everything on that day.
		days := []time.Time{
			from.AddDate(0, 0, -1),  // before the span
			from,                    // its first day
			date(time.January, 31),  // the last day before the whole months
			date(time.February, 14), // a whole month
			date(time.March, 31),    // the whole months' last day
			date(time.April, 1),     // the first day after them
			to.AddDate(0, 0, -1),    // the span's last day
			to,                      // after the span (to is excluded)
		}
		for _, day := range days {
			at := func(h int) time.Time { return day.Add(time.Duration(h) * time.Hour) }
			closed := at(4)
			id := c.Question.Create().SetClientID(client).SetExpertID(expert).SetSubject("physics").SetTitle("T").SetBody("B").
				SetUrgency(question.UrgencyNORMAL).SetDeadline(at(23)).SetPrice(20).SetStatus(question.StatusACCEPTED).
				SetCreatedAt(at(1)).SetUpdatedAt(closed).SetClosedAt(closed).SaveX(ctx).ID
			c.Assignment.Create().SetQuestionID(id).SetExpertID(expert).SetClaimedAt(at(2)).SetLeaseExpiresAt(at(5)).ExecX(ctx)
			c.AnswerRevision.Create().SetQuestionID(id).SetKind(answerrevision.KindEXPERT).SetBody("A").SetAuthorID(expert).SetCreatedAt(at(3)).ExecX(ctx)
		}
		s := analytics.New(d, nil)
		if _, err := s.Rebuild(ctx); err != nil {
			t.Fatal(err)
		}
		admin := viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
		leaders, err := s.Leaderboard(admin, from, to, analytics.ByAccepted, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := int64(len(days) - 2); len(leaders) != 1 || leaders[0].Accepted != want || leaders[0].Delivered != want {
			t.Fatalf("leaders %+v; want one expert with %d accepted and delivered", leaders, want)
		}
	})
}
