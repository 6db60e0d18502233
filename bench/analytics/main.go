// Command analytics measures the admin analytics at scale: it fills a scratch PostgreSQL
// database with questions over a year (claims, answers, ratings, disputes, ledger
// postings) by COPY, builds the rollups with `backbone rollups rebuild`, starts the
// server on it and times `analytics` (a year by DAY) and `expertLeaderboard` through
// the GraphQL endpoint, beside the same figures computed by plain GROUP BY queries over
// the base tables. The database is dropped at the end.
//
//	go run ./bench/analytics                      # 1,000,000 questions
//	go run ./bench/analytics -questions 50000     # a quick run
//	go run ./bench/analytics -keep                # keep the database, then:
//	go run ./bench/analytics -db NAME             # measure again on it (no loading)
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"
	_ "github.com/lib/pq"

	"backbone/bench/internal/scratch"
)

type options struct {
	questions, days, experts, clients int
	samples                           int
	pgURL, redisURL, amqpURL          string
	keep                              bool
	db, pprofAddr                     string
}

func main() {
	var o options
	flag.IntVar(&o.questions, "questions", 1_000_000, "questions to generate")
	flag.IntVar(&o.days, "days", 365, "days they span, ending today")
	flag.IntVar(&o.experts, "experts", 300, "experts")
	flag.IntVar(&o.clients, "clients", 20_000, "clients")
	flag.IntVar(&o.samples, "samples", 200, "requests per measured case")
	flag.StringVar(&o.pgURL, "pg", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable", "admin URL of the PostgreSQL server")
	flag.StringVar(&o.redisURL, "redis", "redis://127.0.0.1:6379/0", "Redis for the server's bus (an API without workers needs it)")
	flag.StringVar(&o.amqpURL, "amqp", "amqp://guest:guest@127.0.0.1:5672/", "RabbitMQ for the server's job queue (an API without workers needs it too)")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch database")
	flag.StringVar(&o.db, "db", "", "measure on this database, kept by an earlier run's -keep, without loading one (implies -keep; the range ends today)")
	flag.StringVar(&o.pprofAddr, "pprof", "", "build the server with the benchpprof tag and serve /debug/pprof on this address (such as 127.0.0.1:6060), to profile it while it is measured")
	flag.Parse()
	if err := run(context.Background(), o, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench/analytics:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, out io.Writer) error {
	tmp, err := os.MkdirTemp("", "bench-analytics-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "backbone")
	fmt.Fprintln(out, "building ./server")
	build := []string{"build", "-o", bin}
	if o.pprofAddr != "" {
		build = append(build, "-tags", "benchpprof")
	}
	if b, err := exec.CommandContext(ctx, "go", append(build, "./server")...).CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./server (run from the repository root): %w\n%s", err, b)
	}
	if o.db != "" {
		return remeasure(ctx, o, out, bin, tmp)
	}
	db, err := scratch.New(ctx, o.pgURL, "backbone_bench_analytics_")
	if err != nil {
		return err
	}
	if o.keep {
		fmt.Fprintf(out, "keeping database %s\n", db.Name)
	} else {
		defer func() {
			if err := db.Drop(); err != nil {
				fmt.Fprintf(out, "warning: drop %s: %v\n", db.Name, err)
			}
		}()
	}
	env := newServerEnv(db.URL, o.redisURL, o.amqpURL)
	if err := env.command(ctx, bin, io.Discard, "migrate"); err != nil {
		return err
	}
	conn, err := sql.Open("postgres", db.URL)
	if err != nil {
		return err
	}
	defer conn.Close()

	started := time.Now()
	admin, session, clients, experts, err := insertUsers(ctx, conn, o.clients, o.experts)
	if err != nil {
		return err
	}
	end := time.Now().UTC().Truncate(24 * time.Hour)
	qs := generate(o.questions, o.days, end, clients, experts)
	if err := load(ctx, conn, qs, experts, end); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "ANALYZE"); err != nil {
		return err
	}
	fmt.Fprintf(out, "loaded %d questions over %d days (%d clients, %d experts) with COPY in %s\n",
		o.questions, o.days, o.clients, o.experts, time.Since(started).Round(time.Second))
	started = time.Now()
	var rebuilt strings.Builder
	if err := env.command(ctx, bin, &rebuilt, "rollups", "rebuild"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "VACUUM ANALYZE analytics_days, analytics_durations, analytics_expert_days"); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s  in %s\n", strings.TrimSpace(lastLine(rebuilt.String())), time.Since(started).Round(time.Second))

	return serveAndMeasure(ctx, o, out, bin, tmp, env, conn, admin, session, end)
}

// serveAndMeasure starts the server on env's database and measures it.
func serveAndMeasure(ctx context.Context, o options, out io.Writer, bin, tmp string, env serverEnv, conn *sql.DB, admin, session uuid.UUID, end time.Time) error {
	env.pprofAddr = o.pprofAddr
	srv, err := startServer(ctx, bin, env, filepath.Join(tmp, "server.log"))
	if err != nil {
		return err
	}
	defer srv.stop()
	if o.pprofAddr != "" {
		fmt.Fprintf(out, "profiler on http://%s/debug/pprof/\n", o.pprofAddr)
	}
	token, err := env.adminToken(admin, session)
	if err != nil {
		return err
	}
	return measure(ctx, out, o, srv.base, token, conn, end)
}

// remeasure measures on the database o.db, loaded and kept by an earlier run: its
// admin gets a fresh session; the range ends today, as a run of the same day would.
func remeasure(ctx context.Context, o options, out io.Writer, bin, tmp string) error {
	db, err := scratch.Existing(o.pgURL, o.db)
	if err != nil {
		return err
	}
	conn, err := sql.Open("postgres", db.URL)
	if err != nil {
		return err
	}
	defer conn.Close()
	var admin, session uuid.UUID
	err = conn.QueryRowContext(ctx, `
INSERT INTO sessions (id, created_at, updated_at, expires_at, last_used_at, user_id)
SELECT gen_random_uuid(), now(), now(), now() + interval '1 day', now(), id FROM users
WHERE email = 'bench-admin@bench.invalid' RETURNING user_id, id`).Scan(&admin, &session)
	if err != nil {
		return fmt.Errorf("database %s (kept by a run with -keep?): the bench admin: %w", o.db, err)
	}
	fmt.Fprintf(out, "measuring on the kept database %s\n", o.db)
	end := time.Now().UTC().Truncate(24 * time.Hour)
	return serveAndMeasure(ctx, o, out, bin, tmp, newServerEnv(db.URL, o.redisURL, o.amqpURL), conn, admin, session, end)
}

// insertUsers adds an admin with a session, clients and approved experts.
func insertUsers(ctx context.Context, d *sql.DB, clients, experts int) (admin, session uuid.UUID, cs, es []uuid.UUID, err error) {
	err = d.QueryRowContext(ctx, `
WITH u AS (
	INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status)
	VALUES (gen_random_uuid(), now(), now(), 'bench-admin@bench.invalid', 'x', 'Bench Admin', 'ADMIN', 'ACTIVE') RETURNING id)
INSERT INTO sessions (id, created_at, updated_at, expires_at, last_used_at, user_id)
SELECT gen_random_uuid(), now(), now(), now() + interval '1 day', now(), u.id FROM u RETURNING user_id, id`).Scan(&admin, &session)
	if err != nil {
		return admin, session, nil, nil, fmt.Errorf("insert admin: %w", err)
	}
	ids := func(role string, n int) ([]uuid.UUID, error) {
		rows, err := d.QueryContext(ctx, `
INSERT INTO users (id, created_at, updated_at, email, password_hash, display_name, role, status, expert_status)
SELECT gen_random_uuid(), now(), now(), 'bench-' || lower($1) || '-' || i || '@bench.invalid', 'x', $1 || ' ' || i, $1, 'ACTIVE',
	CASE WHEN $1 = 'EXPERT' THEN 'APPROVED' END
FROM generate_series(1, $2::int) AS i RETURNING id`, role, n)
		if err != nil {
			return nil, fmt.Errorf("insert %s users: %w", role, err)
		}
		defer rows.Close()
		var out []uuid.UUID
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return nil, err
			}
			out = append(out, id)
		}
		return out, rows.Err()
	}
	if cs, err = ids("CLIENT", clients); err != nil {
		return
	}
	es, err = ids("EXPERT", experts)
	return
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
