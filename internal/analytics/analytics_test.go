package analytics_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"entgo.io/ent/privacy"
	"github.com/google/uuid"

	"backbone/ent/account"
	"backbone/ent/answerrevision"
	"backbone/ent/ledgertransaction"
	"backbone/ent/posting"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/analytics"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/events"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestConsumerAndRebuildAgreeOnBothDatabases: on SQLite (the embedded default) and
// PostgreSQL, refreshing each question (twice: a redelivery) and counting a ledger
// transaction (twice) gives the figures the rebuild computes from the base tables.
func TestConsumerAndRebuildAgreeOnBothDatabases(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, checkAgreement)
}

// onBothDatabases runs check on a new SQLite database (the embedded default) and a new
// PostgreSQL one.
func onBothDatabases(t *testing.T, check func(*testing.T, *db.DB)) {
	for name, url := range map[string]func(testing.TB) string{"sqlite": testenv.NewSQLiteURL, "postgres": testenv.NewPostgresDB} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" {
				testenv.NeedPostgres(t)
			}
			check(t, dbtest.Open(t, url(t)))
		})
	}
}

// newUser adds a user of role.
func newUser(ctx context.Context, d *db.DB, role user.Role) uuid.UUID {
	return d.Client.User.Create().SetEmail(uuid.NewString() + "@example.com").SetPasswordHash("x").
		SetDisplayName("U").SetRole(role).SaveX(ctx).ID
}

func checkAgreement(t *testing.T, d *db.DB) {
	ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
	c := d.Client
	client, expert := newUser(ctx, d, user.RoleCLIENT), newUser(ctx, d, user.RoleEXPERT)
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
	at := func(h float64) time.Time { return day.Add(time.Duration(h * float64(time.Hour))) }
	mkQuestion := func(created time.Time, status question.Status, closed *time.Time) uuid.UUID {
		return c.Question.Create().SetClientID(client).SetSubject("physics").SetTitle("T").SetBody("B").
			SetUrgency(question.UrgencyNORMAL).SetDeadline(created.Add(24 * time.Hour)).SetPrice(20).
			SetStatus(status).SetCreatedAt(created).SetUpdatedAt(created).SetNillableClosedAt(closed).
			SaveX(ctx).ID
	}
	// Accepted with a rating, 2 hours to claim and 30 hours to deliver (after the deadline).
	closed := at(40)
	accepted := mkQuestion(at(1), question.StatusACCEPTED, &closed)
	c.Question.UpdateOneID(accepted).SetExpertID(expert).ExecX(ctx)
	c.Assignment.Create().SetQuestionID(accepted).SetExpertID(expert).SetClaimedAt(at(3)).SetLeaseExpiresAt(at(4)).ExecX(ctx)
	c.AnswerRevision.Create().SetQuestionID(accepted).SetKind(answerrevision.KindEXPERT).SetBody("A").SetAuthorID(expert).SetCreatedAt(at(33)).ExecX(ctx)
	c.Rating.Create().SetQuestionID(accepted).SetClientID(client).SetExpertID(expert).SetStars(4).SetCreatedAt(closed).ExecX(ctx)
	// Cancelled the next day; disputed; still waiting.
	cancelledAt := at(30)
	cancelled := mkQuestion(at(25), question.StatusCANCELLED, &cancelledAt)
	disputed := mkQuestion(at(2), question.StatusDISPUTED, nil)
	c.Assignment.Create().SetQuestionID(disputed).SetExpertID(expert).SetClaimedAt(at(2.5)).SetLeaseExpiresAt(at(4)).ExecX(ctx)
	c.AnswerRevision.Create().SetQuestionID(disputed).SetKind(answerrevision.KindEXPERT).SetBody("A").SetAuthorID(expert).SetCreatedAt(at(5)).ExecX(ctx)
	c.Dispute.Create().SetQuestionID(disputed).SetClientID(client).SetExpertID(expert).SetReason("wrong").SetCreatedAt(at(6)).ExecX(ctx)
	waiting := mkQuestion(at(50), question.StatusAWAITING_EXPERT, nil)
	// An approved payout.
	payout, external := uuid.New(), uuid.New()
	c.Account.Create().SetID(payout).SetKind(account.KindPAYOUT).SetOwnerID(expert).ExecX(ctx)
	c.Account.Create().SetID(external).SetKind(account.KindEXTERNAL).ExecX(ctx)
	tx := c.LedgerTransaction.Create().SetKind(ledgertransaction.KindPAYOUT_APPROVE).SetCreatedAt(at(20)).SaveX(ctx)
	c.Posting.Create().SetTransactionID(tx.ID).SetAccountID(payout).SetKind(posting.KindPAYOUT_APPROVE).SetAmount(-50).ExecX(ctx)
	c.Posting.Create().SetTransactionID(tx.ID).SetAccountID(external).SetKind(posting.KindPAYOUT_APPROVE).SetAmount(50).ExecX(ctx)

	s := analytics.New(d, nil)
	for range 2 { // the second round is a redelivery of every event
		for _, id := range []uuid.UUID{accepted, cancelled, disputed, waiting} {
			if err := s.Refresh(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		ev := events.LedgerPosted{TransactionID: tx.ID, Kind: "PAYOUT_APPROVE", Gross: 50, At: tx.CreatedAt}
		if err := s.CountLedger(ctx, ev); err != nil {
			t.Fatal(err)
		}
	}
	admin := viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
	read := func() ([]analytics.Point, []analytics.Leader) {
		points, err := s.Series(admin, day, day.AddDate(0, 0, 3), analytics.Day, nil)
		if err != nil {
			t.Fatal(err)
		}
		leaders, err := s.Leaderboard(admin, day, day.AddDate(0, 0, 3), analytics.ByOnTime, nil)
		if err != nil {
			t.Fatal(err)
		}
		return points, leaders
	}
	live, liveLeaders := read()
	first, second := live[0], live[1]
	if first.Submitted != 2 || first.Disputed != 1 || first.Payouts != 50 || first.MedianToClaim == nil ||
		first.MedianToDeliver == nil || second.Submitted != 1 || second.Cancelled != 1 || second.Accepted != 1 || second.Breaches != 1 ||
		second.MedianToDeliver == nil || *second.MedianToDeliver != analytics.BucketMiddle(analytics.BucketOf(30*time.Hour)) {
		t.Fatalf("live figures: %+v", live)
	}
	if len(liveLeaders) != 1 || liveLeaders[0].Delivered != 2 || liveLeaders[0].OnTime != 1 || liveLeaders[0].Accepted != 1 ||
		liveLeaders[0].Ratings != 1 || liveLeaders[0].Stars != 4 {
		t.Fatalf("live leaders: %+v", liveLeaders)
	}
	if live[2].Submitted != 1 || live[2].MedianToClaim != nil {
		t.Fatalf("third day: %+v", live[2])
	}
	// Payouts have no subject: they count in the all-subjects series only.
	physics := "physics"
	if one, err := s.Series(admin, day, day.AddDate(0, 0, 3), analytics.Day, &physics); err != nil || one[0].Payouts != 0 || one[0].Submitted != 2 {
		t.Fatalf("physics: %+v %v", one, err)
	}
	// In any case, as subjects match everywhere (it read nothing but the exact spelling).
	cased := "PHYSICS"
	if one, err := s.Series(admin, day, day.AddDate(0, 0, 3), analytics.Day, &cased); err != nil || one[0].Submitted != 2 {
		t.Fatalf("%s: %+v %v", cased, one, err)
	}
	stats, err := s.Rebuild(ctx)
	if err != nil || stats.Questions != 4 || stats.LedgerEntries != 1 {
		t.Fatalf("rebuild: %+v %v", stats, err)
	}
	rebuilt, rebuiltLeaders := read()
	if !reflect.DeepEqual(rebuilt, live) || !reflect.DeepEqual(rebuiltLeaders, liveLeaders) {
		t.Fatalf("rebuilt %+v %+v\nlive %+v %+v", rebuilt, rebuiltLeaders, live, liveLeaders)
	}
	// After a rebuild, the consumer finds its facts as it left them: nothing changes.
	for _, id := range []uuid.UUID{accepted, cancelled, disputed, waiting} {
		if err := s.Refresh(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if again, _ := read(); !reflect.DeepEqual(again, live) {
		t.Fatalf("refreshed after the rebuild: %+v", again)
	}
}

// A subject renamed in case only keeps rollups under both spellings; BySubject shows it
// once, under its newest question's, with both spellings' figures and durations.
func TestBySubjectCountsACaseRenamedSubjectOnce(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, d *db.DB) {
		ctx := privacy.DecisionContext(context.Background(), privacy.Allow)
		c := d.Client
		client, expert := newUser(ctx, d, user.RoleCLIENT), newUser(ctx, d, user.RoleEXPERT)
		day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -3)
		ask := func(subject string, created time.Time, claimAfter time.Duration) {
			id := c.Question.Create().SetClientID(client).SetSubject(subject).SetTitle("T").SetBody("B").
				SetUrgency(question.UrgencyNORMAL).SetDeadline(created.Add(24 * time.Hour)).SetPrice(20).
				SetStatus(question.StatusCLAIMED).SetExpertID(expert).SetCreatedAt(created).SetUpdatedAt(created).
				SaveX(ctx).ID
			c.Assignment.Create().SetQuestionID(id).SetExpertID(expert).SetClaimedAt(created.Add(claimAfter)).
				SetLeaseExpiresAt(created.Add(claimAfter + time.Hour)).ExecX(ctx)
		}
		ask("Physics", day.Add(time.Hour), time.Hour)        // before the rename
		ask("PHYSICS", day.Add(25*time.Hour), 3*time.Hour)   // after it
		ask("Chemistry", day.Add(26*time.Hour), 2*time.Hour) // another subject
		ask("PHYSICS", day.Add(27*time.Hour), 5*time.Hour)   // after it, again
		// Renamed back; on that day both spellings have rollups: the newest question's
		// wins, not the first in the collation ("PHYSICS" sorts first in C and SQLite).
		ask("PHYSICS", day.Add(49*time.Hour), 2*time.Hour)
		ask("Physics", day.Add(50*time.Hour), 2*time.Hour)
		ids := c.Question.Query().IDsX(ctx)
		s := analytics.New(d, nil)
		for _, id := range ids {
			if err := s.Refresh(ctx, id); err != nil {
				t.Fatal(err)
			}
		}
		admin := viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
		got, err := s.BySubject(admin, day, day.AddDate(0, 0, 3))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].Subject != "Chemistry" || got[0].Submitted != 1 ||
			got[1].Subject != "Physics" || got[1].Submitted != 5 {
			t.Fatalf("by subject: %+v", got)
		}
		// The median of 1, 2, 2, 3 and 5 hours to claim is 2 hours' bucket: the
		// spellings' histograms are added, not one of them kept.
		if m := got[1].MedianToClaim; m == nil || *m != analytics.BucketMiddle(analytics.BucketOf(2*time.Hour)) {
			t.Fatalf("median to claim: %v", m)
		}
	})
}
