package analytics

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/testenv"
)

// TestApplyLocksSharedRowsInOneOrder applies two overlapping deltas, each built afresh
// (Go gives each map its own iteration order), and records the rows each statement locks
// first (the upserts, and the histograms read FOR UPDATE). The rows both deltas touch must
// come in the same order in both, or two consumers applying them at once can deadlock;
// and the day rows come sorted by day, then subject.
func TestApplyLocksSharedRowsInOneOrder(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	rec := &recorder{Driver: entsql.OpenDB(dialect.Postgres, d.SQL)}
	c := ent.NewClient(ent.Driver(rec))
	ctx := db.System(context.Background())
	experts := make([]uuid.UUID, 10)
	for i := range experts {
		experts[i] = uuid.New()
	}
	var orders [2][]string
	for i := range orders {
		rec.reset()
		tx, err := c.Tx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := apply(ctx, tx.Client(), wideDelta(i, experts), true); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		orders[i] = rec.rows
		for j := 1; j < len(rec.days); j++ {
			a, b := rec.days[j-1], rec.days[j]
			if cmp.Or(a.day.Compare(b.day), cmp.Compare(a.subject, b.subject)) > 0 {
				t.Errorf("delta %d: day row %s %q written before %s %q, want them by day, then subject",
					i, a.day.Format(time.DateOnly), a.subject, b.day.Format(time.DateOnly), b.subject)
				break
			}
		}
	}
	first, second := shared(orders[0], orders[1]), shared(orders[1], orders[0])
	if len(first) < 100 {
		t.Fatalf("the deltas share %d rows, want many: %v", len(first), orders)
	}
	for i := range first {
		if first[i] != second[i] {
			t.Fatalf("the rows both deltas lock come in different orders: row %d of those is %s in one, %s in the other",
				i, first[i], second[i])
		}
	}
}

// TestConcurrentAppliesOfOneDeltaDoNotDeadlock has two transactions apply the same
// rows at once, round after round, without the retry of db.InTx. A transaction holds
// every day row while both start, so that each waits for the first row it writes; once
// both wait, the rows are let go. Applied in different orders, the two would each hold
// a row the other needs: PostgreSQL would abort one as a deadlock.
func TestConcurrentAppliesOfOneDeltaDoNotDeadlock(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	ctx := db.System(context.Background())
	day := time.Now().UTC()
	days := func() *delta {
		out := newDelta()
		for i := range 20 {
			out.day(fmt.Sprintf("subject %02d", i), day).Submitted++
		}
		return out
	}
	// The rows exist, so that every upsert updates (and locks) one.
	if err := applyOnce(ctx, d, days()); err != nil {
		t.Fatal(err)
	}
	for round := range 10 {
		gate, err := d.SQL.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := gate.Exec("SELECT 1 FROM analytics_days FOR UPDATE"); err != nil {
			t.Fatal(err)
		}
		results := make(chan error, 2)
		for range 2 {
			go func() { results <- applyOnce(ctx, d, days()) }()
		}
		dbtest.WaitForLockWaiters(t, d.SQL, 2, results)
		if err := gate.Commit(); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := <-results; err != nil {
				t.Fatalf("round %d: %v", round, err)
			}
		}
	}
}

// applyOnce applies dl in a transaction of its own, not run again on a deadlock.
func applyOnce(ctx context.Context, d *db.DB, dl *delta) error {
	tx, err := d.Client.Tx(ctx)
	if err != nil {
		return err
	}
	if err := apply(ctx, tx.Client(), dl, true); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}

// wideDelta is a change of many rows of every rollup table; deltas of different n share
// most of their rows, and each has a few of its own.
func wideDelta(n int, experts []uuid.UUID) *delta {
	d := newDelta()
	start := time.Date(2026, 1, 30, 12, 0, 0, 0, time.UTC) // the days span two months
	for day := range 3 {
		at := start.Add(time.Duration(day) * 24 * time.Hour)
		for s := range 8 {
			subject := fmt.Sprintf("subject %d", s)
			d.day(subject, at).Submitted++
			d.duration(subject, kindClaim, at, time.Hour, 1)
			d.duration(subject, kindDeliver, at, 3*time.Hour, 1)
		}
		own := fmt.Sprintf("subject of delta %d", n)
		d.day(own, at).Accepted++
		for _, e := range experts {
			d.expert(e, at).Delivered++
		}
		d.expert(uuid.New(), at).Delivered++
	}
	return d
}

// shared returns the rows of a that b has too, in a's order.
func shared(a, b []string) []string {
	return slices.DeleteFunc(slices.Clone(a), func(r string) bool { return !slices.Contains(b, r) })
}

// recorder is an ent driver that notes the rows its statements lock first: an upsert's
// row, or a row read FOR UPDATE, named by its table and its key (the values of the
// columns, or the arguments of the read, that are not the row's id, numbers or bytes).
type recorder struct {
	dialect.Driver
	mu   sync.Mutex
	rows []string
	days []dayKey // the keys of the analytics_days upserts
}

func (r *recorder) reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows, r.days = nil, nil
}

var (
	tableName     = regexp.MustCompile(`"(analytics_[a-z_]+)"`)
	insertColumns = regexp.MustCompile(`^INSERT INTO "[a-z_]+" \(([^)]*)\)`)
)

func (r *recorder) note(query string, args any) {
	table := tableName.FindStringSubmatch(query)
	if table == nil {
		return
	}
	values, _ := args.([]any)
	var columns []string
	switch {
	case strings.Contains(query, "ON CONFLICT"):
		m := insertColumns.FindStringSubmatch(query)
		if m == nil {
			return
		}
		columns = strings.Split(strings.ReplaceAll(m[1], `"`, ""), ", ")
		values = values[:len(columns)]
	case !strings.Contains(query, "FOR UPDATE"):
		return
	}
	var key []string
	var day dayKey
	for i, v := range values {
		switch v.(type) {
		case int, int64, float64, bool, []byte, nil:
			continue
		}
		column := ""
		if columns != nil {
			column = columns[i]
		}
		switch column {
		case "id":
			continue
		case "day":
			day.day, _ = v.(time.Time)
		case "subject":
			day.subject, _ = v.(string)
		}
		key = append(key, column+"="+fmt.Sprint(v))
	}
	slices.Sort(key)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, table[1]+" "+strings.Join(key, " "))
	if table[1] == "analytics_days" {
		r.days = append(r.days, day)
	}
}

func (r *recorder) Exec(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Exec(ctx, query, args, v)
}

func (r *recorder) Query(ctx context.Context, query string, args, v any) error {
	r.note(query, args)
	return r.Driver.Query(ctx, query, args, v)
}

func (r *recorder) Tx(ctx context.Context) (dialect.Tx, error) {
	tx, err := r.Driver.Tx(ctx)
	if err != nil {
		return nil, err
	}
	return &recordingTx{Tx: tx, r: r}, nil
}

// recordingTx is a transaction of the recorder.
type recordingTx struct {
	dialect.Tx
	r *recorder
}

func (t *recordingTx) Exec(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Exec(ctx, query, args, v)
}

func (t *recordingTx) Query(ctx context.Context, query string, args, v any) error {
	t.r.note(query, args)
	return t.Tx.Query(ctx, query, args, v)
}
