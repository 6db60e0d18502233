package originality

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/fingerprint"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// onEachDatabase runs fn on a fresh migrated PostgreSQL database and a SQLite one.
func onEachDatabase(t *testing.T, fn func(t *testing.T, d *db.DB)) {
	for name, url := range map[string]func(testing.TB) string{
		"postgres": testenv.NewPostgresDB,
		"sqlite":   testenv.NewSQLiteURL,
	} {
		t.Run(name, func(t *testing.T) { fn(t, dbtest.Open(t, url(t))) })
	}
}

// textGen makes texts of random words, so that two texts share only what a test puts
// in both.
type textGen struct{ rng *rand.Rand }

func newTextGen(seed uint64) *textGen { return &textGen{rand.New(rand.NewPCG(seed, 7))} }

func (g *textGen) words(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("word%d", g.rng.IntN(100000))
	}
	return out
}

func (g *textGen) text(n int) string { return strings.Join(g.words(n), " ") }

func mustRecord(t *testing.T, c *ent.Client, q, r uuid.UUID, text string) {
	t.Helper()
	if err := Record(context.Background(), c, q, r, text); err != nil {
		t.Fatalf("Record: %v", err)
	}
}

func mustCheck(t *testing.T, c *ent.Client, q uuid.UUID, text string) Result {
	t.Helper()
	res, err := Check(context.Background(), c, q, text)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	return res
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func TestCheckComparesOtherQuestionsOnly(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		g := newTextGen(1)
		own, other, rev := uuid.New(), uuid.New(), uuid.New()
		answer := g.text(300)
		mustRecord(t, d.Client, own, rev, answer)

		if res := mustCheck(t, d.Client, own, answer); res.Score != 1 || len(res.Matches) != 0 {
			t.Fatalf("same question: %+v, want score 1 and no match (its own answers do not count)", res)
		}
		res := mustCheck(t, d.Client, other, answer)
		want := []Match{{QuestionID: own, RevisionID: rev, Overlap: 1}}
		if res.Score != 0 || fmt.Sprint(res.Matches) != fmt.Sprint(want) {
			t.Fatalf("other question: %+v, want score 0 and %v", res, want)
		}
		if res := mustCheck(t, d.Client, other, g.text(300)); res.Score != 1 || len(res.Matches) != 0 {
			t.Fatalf("new text: %+v, want score 1 and no match", res)
		}
	})
}

func TestCheckRanksMatches(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		g := newTextGen(2)
		qa, qb, qc := uuid.New(), uuid.New(), uuid.New()
		ra, ra2, rb, rc := uuid.New(), uuid.New(), uuid.New(), uuid.New()
		a, b := g.words(300), g.words(300)
		mustRecord(t, d.Client, qa, ra, strings.Join(a, " "))
		// A second, shorter revision of the same question: a question is listed once,
		// with its best revision.
		mustRecord(t, d.Client, qa, ra2, strings.Join(a[:100], " "))
		mustRecord(t, d.Client, qb, rb, strings.Join(b, " "))
		mustRecord(t, d.Client, qc, rc, g.text(300))

		// 60% from a, 30% from b, 10% new.
		text := strings.Join(append(append(a[:180:180], b[:90]...), g.words(30)...), " ")
		res := mustCheck(t, d.Client, uuid.New(), text)
		if len(res.Matches) != 2 {
			t.Fatalf("matches %+v, want 2 (a's question once, then b's)", res.Matches)
		}
		first, second := res.Matches[0], res.Matches[1]
		if first.QuestionID != qa || first.RevisionID != ra || second.QuestionID != qb || second.RevisionID != rb {
			t.Fatalf("matches %+v, want a's full revision %v then b's %v", res.Matches, ra, rb)
		}
		if !near(first.Overlap, 0.6, 0.1) || !near(second.Overlap, 0.3, 0.1) {
			t.Fatalf("overlaps %.2f and %.2f, want about 0.6 and 0.3", first.Overlap, second.Overlap)
		}
		if res.Score != 1-first.Overlap {
			t.Fatalf("score %.3f, want 1 - highest overlap = %.3f", res.Score, 1-first.Overlap)
		}
	})
}

func TestCheckListsAtMostFiveMatchesAboveTheFloor(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		g := newTextGen(3)
		common := g.text(300)
		for range MaxMatches + 2 {
			mustRecord(t, d.Client, uuid.New(), uuid.New(), common)
		}
		if res := mustCheck(t, d.Client, uuid.New(), common); len(res.Matches) != MaxMatches || res.Score != 0 {
			t.Fatalf("%d matches, score %.2f; want %d and 0", len(res.Matches), res.Score, MaxMatches)
		}

		q, r := uuid.New(), uuid.New()
		source := g.words(300)
		mustRecord(t, d.Client, q, r, strings.Join(source, " "))
		// 5% from source: below MinOverlap, so no match, yet the score says it.
		text := strings.Join(append(source[:15:15], g.words(285)...), " ")
		res := mustCheck(t, d.Client, uuid.New(), text)
		if len(res.Matches) != 0 || res.Score == 1 || res.Score < 1-MinOverlap {
			t.Fatalf("5%% copy: %+v, want no match and a score just under 1", res)
		}
	})
}

func TestRecordIsIdempotent(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		g := newTextGen(4)
		q, r := uuid.New(), uuid.New()
		text := g.text(3000) // several insert batches
		for range 3 {
			mustRecord(t, d.Client, q, r, text)
		}
		n, err := d.Client.Fingerprint.Query().Where(fingerprint.RevisionID(r)).Count(db.System(context.Background()))
		if err != nil {
			t.Fatal(err)
		}
		if want := len(Fingerprints(text)); n != want || want <= insertBatch {
			t.Fatalf("%d rows after three Records, want %d (more than one batch)", n, want)
		}
		if res := mustCheck(t, d.Client, uuid.New(), text); len(res.Matches) != 1 || res.Matches[0].Overlap != 1 {
			t.Fatalf("matches %+v, want the one revision, overlap 1", res.Matches)
		}
	})
}

func TestRecordInTransaction(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := newTextGen(5)
		text := g.text(200)
		errRollback := errors.New("roll back")
		err := db.InTx(ctx, d.Client, func(tx *ent.Client) error {
			if err := Record(ctx, tx, uuid.New(), uuid.New(), text); err != nil {
				return err
			}
			// The transaction sees its own fingerprints.
			if res, err := Check(ctx, tx, uuid.New(), text); err != nil || res.Score != 0 {
				return fmt.Errorf("check in transaction: %+v, %v", res, err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatal(err)
		}
		if res := mustCheck(t, d.Client, uuid.New(), text); res.Score != 1 {
			t.Fatalf("after rollback: %+v, want nothing stored", res)
		}
		q := uuid.New()
		if err := db.InTx(ctx, d.Client, func(tx *ent.Client) error { return Record(ctx, tx, q, uuid.New(), text) }); err != nil {
			t.Fatal(err)
		}
		if res := mustCheck(t, d.Client, uuid.New(), text); res.Score != 0 || res.Matches[0].QuestionID != q {
			t.Fatalf("after commit: %+v, want the committed revision", res)
		}
	})
}

func TestShortTextHasNoFingerprints(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		q := uuid.New()
		mustRecord(t, d.Client, q, uuid.New(), "Too short.")
		if n := d.Client.Fingerprint.Query().CountX(db.System(context.Background())); n != 0 {
			t.Fatalf("%d rows for a two-word text, want 0", n)
		}
		if res := mustCheck(t, d.Client, uuid.New(), "**Yes.**"); res.Score != 1 || res.Matches != nil {
			t.Fatalf("short text: %+v, want score 1", res)
		}
	})
}

func TestFingerprintsAreNotReadableByViewers(t *testing.T) {
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	mustRecord(t, d.Client, uuid.New(), uuid.New(), newTextGen(6).text(50))
	for _, role := range []string{viewer.RoleClient, viewer.RoleExpert} {
		ctx := viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: role})
		if _, err := d.Client.Fingerprint.Query().Count(ctx); err == nil {
			t.Fatalf("a %s read the fingerprints", role)
		}
	}
}

func TestCheckLeavesOutBoilerplate(t *testing.T) {
	onEachDatabase(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		g := newTextGen(7)
		stock := g.text(20) // a stock sentence that many answers hold
		answers := make([]string, CommonAnswers+1)
		questions := make([]uuid.UUID, len(answers))
		for i := range answers {
			answers[i], questions[i] = stock+" "+g.text(30), uuid.New()
		}
		record := func(from, to int) {
			err := db.InTx(ctx, d.Client, func(tx *ent.Client) error {
				for i := from; i < to; i++ {
					if err := Record(ctx, tx, questions[i], uuid.New(), answers[i]); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		withStock := stock + " " + g.text(40)

		record(0, CommonAnswers)
		before := mustCheck(t, d.Client, uuid.New(), withStock)
		if before.Score > 0.8 || len(before.Matches) != MaxMatches {
			t.Fatalf("stock sentence in %d answers: %+v, want it to count", CommonAnswers, before)
		}
		record(CommonAnswers, CommonAnswers+1)
		// Left out, but for a fingerprint or two where the sentence meets the new words:
		// winnowing picks those in some answers only, so they are not common.
		if after := mustCheck(t, d.Client, uuid.New(), withStock); after.Score < 1-MinOverlap || len(after.Matches) != 0 {
			t.Fatalf("stock sentence in %d answers: %+v (before: %.2f), want it left out", CommonAnswers+1, after, before.Score)
		}
		// A copy is still a copy: its other fingerprints all match, and the common ones
		// count on neither side.
		res := mustCheck(t, d.Client, uuid.New(), answers[7])
		if res.Score != 0 || len(res.Matches) != 1 || res.Matches[0].QuestionID != questions[7] {
			t.Fatalf("copy of an answer holding boilerplate: %+v, want score 0 and that answer alone", res)
		}
	})
}
