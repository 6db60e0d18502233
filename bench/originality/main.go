// Command originality measures the originality check (package internal/originality)
// against many stored answers on PostgreSQL: the latency of Check, p50 and p99, against
// issue 12's target of p99 at most 50 ms with 100,000 answers of about 300 words.
//
//	go run ./bench/originality                        # 100,000 answers, 2,000 checks
//	go run ./bench/originality -answers 10000 -checks 500
//
// It creates a scratch database on the -pg server (dropped at the end unless -keep),
// migrates it, stores the answers' fingerprints in one COPY (see load), then runs the
// checks one after another with the real Check through ent and lib/pq: a third new
// answers, a third copies with one word in ten changed, a third halves of a stored answer
// completed with new text. The answers are synthetic (see corpus), with stock sentences
// shared by up to -boilerplate of them, so that some fingerprints have long posting lists.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"
	"github.com/google/uuid"

	"backbone/bench/internal/scratch"
	"backbone/ent"
	"backbone/internal/db"
	"backbone/internal/originality"
)

type options struct {
	pg          string
	answers     int
	words       int
	checks      int
	warmup      int
	boilerplate float64
	seed        uint64
	keep        bool
}

func main() {
	var o options
	flag.StringVar(&o.pg, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "PostgreSQL server on which to create the scratch database")
	flag.IntVar(&o.answers, "answers", 100000, "stored answers")
	flag.IntVar(&o.words, "words", 300, "words per answer")
	flag.IntVar(&o.checks, "checks", 2000, "timed checks")
	flag.IntVar(&o.warmup, "warmup", 200, "checks run first and not timed")
	flag.Float64Var(&o.boilerplate, "boilerplate", 0.3, "share of answers holding the most common stock sentence")
	flag.Uint64Var(&o.seed, "seed", 12, "seed of the synthetic corpus")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch database (its URL is printed)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "originality:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

func run(ctx context.Context, o options) error {
	s, err := scratch.New(ctx, o.pg, "bench_originality_")
	if err != nil {
		return err
	}
	if o.keep {
		logf("database %s (kept)", s.URL)
	} else {
		defer func() {
			if err := s.Drop(); err != nil {
				logf("drop %s: %v", s.Name, err)
			}
		}()
	}
	d, err := db.Open(ctx, s.URL, nil)
	if err != nil {
		return err
	}
	defer d.Close()

	c := newCorpus(o.seed, o.words, o.boilerplate)
	// Question and revision ids of stored answer i, derived from i so that the checks
	// can tell which answer they copied.
	ids := func(i int) (uuid.UUID, uuid.UUID) {
		return uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "q%d", i)),
			uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "r%d", i))
	}
	logf("load average %s", loadAverage())
	start := time.Now()
	if err := load(ctx, d, c, o.answers, ids, logf); err != nil {
		return err
	}
	logf("setup took %s", time.Since(start).Round(time.Second))
	if err := describeTable(ctx, d); err != nil {
		return err
	}

	rec := &recorder{Driver: entsql.OpenDB(dialect.Postgres, d.SQL)}
	client := ent.NewClient(ent.Driver(rec))
	rng := rand.New(rand.NewPCG(o.seed, 99))
	kinds := []string{"new answer", "copy, 1 word in 10 changed", "half copied"}
	latency := map[string][]time.Duration{}
	var all []time.Duration
	scores := map[string]float64{}
	found := map[string]int{}
	for n := range o.warmup + o.checks {
		kind := kinds[n%len(kinds)]
		src := rng.IntN(o.answers)
		var text string
		switch kind {
		case kinds[0]:
			text = c.fresh(rng)
		case kinds[1]:
			text = c.lightEdit(rng, c.stored(src))
		default:
			text = c.half(rng, c.stored(src))
		}
		t0 := time.Now()
		res, err := originality.Check(ctx, client, uuid.New(), text)
		took := time.Since(t0)
		if err != nil {
			return err
		}
		if n < o.warmup {
			continue
		}
		latency[kind] = append(latency[kind], took)
		all = append(all, took)
		scores[kind] += res.Score
		if q, _ := ids(src); kind != kinds[0] && len(res.Matches) > 0 && res.Matches[0].QuestionID == q {
			found[kind]++
		}
	}
	fmt.Printf("\n%d checks against %d answers of %d words (after %d untimed), load average %s:\n",
		o.checks, o.answers, o.words, o.warmup, loadAverage())
	for _, k := range kinds {
		l := latency[k]
		line := fmt.Sprintf("  %-28s n=%4d  p50 %6s  p99 %6s  mean score %.2f", k, len(l), pct(l, 50), pct(l, 99), scores[k]/float64(len(l)))
		if k != kinds[0] {
			line += fmt.Sprintf("  source found first %.1f%%", 100*float64(found[k])/float64(len(l)))
		}
		fmt.Println(line)
	}
	fmt.Printf("  %-28s n=%4d  p50 %6s  p99 %6s  max %s\n", "all", len(all), pct(all, 50), pct(all, 99), pct(all, 100))
	return explain(ctx, d, rec, client, c.half(rng, c.stored(rng.IntN(o.answers))))
}

// loadAverage is the first three fields of /proc/loadavg: on a shared machine, what else
// competed for the cores while the figures were taken.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

// pct returns the p-th percentile of ds (nearest rank).
func pct(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[max(0, min(i, len(s)-1))].Round(10 * time.Microsecond)
}

// describeTable prints the table's size and the longest posting lists.
func describeTable(ctx context.Context, d *db.DB) error {
	var table, indexes string
	err := d.SQL.QueryRowContext(ctx, `SELECT pg_size_pretty(pg_table_size('fingerprints')), pg_size_pretty(pg_indexes_size('fingerprints'))`).Scan(&table, &indexes)
	if err != nil {
		return err
	}
	rows, err := d.SQL.QueryContext(ctx, `SELECT count(*) FROM fingerprints GROUP BY hash ORDER BY 1 DESC LIMIT 5`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var longest []string
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			return err
		}
		longest = append(longest, fmt.Sprint(n))
	}
	logf("fingerprints: table %s, indexes %s; longest posting lists %s rows", table, indexes, strings.Join(longest, ", "))
	return rows.Err()
}

// recorder is an ent driver that remembers the last query it ran, for EXPLAIN.
type recorder struct {
	dialect.Driver
	query string
	args  []any
}

func (r *recorder) Query(ctx context.Context, query string, args, v any) error {
	r.query = query
	r.args, _ = args.([]any)
	return r.Driver.Query(ctx, query, args, v)
}

// explain runs one check and prints PostgreSQL's plan of its query, with timings.
func explain(ctx context.Context, d *db.DB, rec *recorder, client *ent.Client, text string) error {
	if _, err := originality.Check(ctx, client, uuid.New(), text); err != nil {
		return err
	}
	if rec.query == "" {
		return errors.New("the check ran no query")
	}
	rows, err := d.SQL.QueryContext(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+rec.query, rec.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	fmt.Printf("\nplan of a check (%d fingerprints):\n", len(originality.Fingerprints(text)))
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		fmt.Println("  " + line)
	}
	return rows.Err()
}
