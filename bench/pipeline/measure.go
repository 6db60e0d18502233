package main

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
)

// Targets of issue 12 on this 2-core machine.
const (
	targetThroughput  = 50.0 // questions per second through the three stages
	targetOverheadP99 = 100 * time.Millisecond
)

// stageNames are the pipeline_stages.stage values, in order.
var stageNames = []string{"DRAFT", "REWRITE", "CHECK"}

// dist is a distribution's figures.
type dist struct{ P50, P99, Max time.Duration }

func newDist(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	slices.Sort(ds)
	at := func(p float64) time.Duration {
		return ds[min(max(int(math.Ceil(p/100*float64(len(ds)))), 1), len(ds))-1]
	}
	return dist{P50: at(50), P99: at(99), Max: ds[len(ds)-1]}
}

func (d dist) String() string {
	return fmt.Sprintf("%8s %8s %8s", ms(d.P50), ms(d.P99), ms(d.Max))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// stageFigures are one stage's times over a round's questions.
type stageFigures struct {
	// Overhead is the time in the stage (started_at to finished_at) less the provider's.
	Overhead dist
	// Provider is the time waiting for the model (DRAFT, REWRITE) or the originality index (CHECK).
	Provider dist
	// Wait is the time before the stage started: from the submission (DRAFT) or from
	// the previous stage's end. It holds the end of the previous transaction, the outbox
	// relay, RabbitMQ and the start of StartStage.
	Wait dist
}

// result is one phase of one worker count.
type result struct {
	Workers          int
	Phase            string
	Rate             float64 // submissions per second; 0: all at once
	Questions        int
	Done             int
	Ended            map[string]int // pipeline statuses other than DONE
	Drafts, Rewrites int
	Restarted        int // stage rows started more than once
	DeadJobs         int
	Span             time.Duration // first submission to last AWAITING_EXPERT
	Submitting       time.Duration // first to last submission
	Throughput       float64       // questions per second over Span
	Stages           map[string]stageFigures
	EndToEnd         dist // per question: submission to AWAITING_EXPERT
	// RelayJobs and RelayAll are the outbox relay's lag (row written to its batch marked
	// published) for the pipeline's jobs and for every row about the questions;
	// OutboxRows is how many rows there were.
	RelayJobs, RelayAll dist
	OutboxRows          int
	// CPU is the phase's CPU time by process kind: "workers", "postgres (workers)" and
	// "postgres (tool)" (their backends), "tool" (submissions, fake provider, polls).
	CPU   map[string]time.Duration
	Drain time.Duration
	Load  string
}

func (r result) worstOverheadP99() time.Duration {
	var worst time.Duration
	for _, s := range r.Stages {
		worst = max(worst, s.Overhead.P99)
	}
	return worst
}

// target is the phase's target (throughput all at once, stage overhead paced) and
// whether it was met.
func (r result) target() (string, bool) {
	if r.Rate == 0 {
		return fmt.Sprintf("throughput >= %.0f questions/s", targetThroughput), r.Throughput >= targetThroughput
	}
	return fmt.Sprintf("stage overhead p99 <= %s at %g/s", ms(targetOverheadP99), r.Rate), r.worstOverheadP99() <= targetOverheadP99
}

func (r result) passed() bool {
	_, ok := r.target()
	return ok && r.Done == r.Questions
}

// stageRow is one pipeline_stages row with its question's submission time.
type stageRow struct {
	submitted, started, finished time.Time
	stage                        string
	attempts                     int
	provider                     time.Duration
}

// measure reads the round's questions and their stage rows.
func measure(ctx context.Context, env *benchEnv, ids []uuid.UUID) (result, error) {
	r := result{Questions: len(ids), Ended: map[string]int{}, Stages: map[string]stageFigures{}}
	err := query(ctx, env.db.SQL, `SELECT coalesce(pipeline_status, 'NONE'), count(*) FROM questions WHERE id = ANY($1) GROUP BY 1`,
		[]any{pq.Array(ids)}, func(rows *sql.Rows) error {
			var status string
			var n int
			if err := rows.Scan(&status, &n); err != nil {
				return err
			}
			if status == "DONE" {
				r.Done = n
			} else {
				r.Ended[status] = n
			}
			return nil
		})
	if err != nil {
		return r, err
	}
	err = query(ctx, env.db.SQL, `SELECT kind, count(*) FROM answer_revisions WHERE question_id = ANY($1) GROUP BY 1`,
		[]any{pq.Array(ids)}, func(rows *sql.Rows) error {
			var kind string
			var n int
			if err := rows.Scan(&kind, &n); err != nil {
				return err
			}
			switch kind {
			case "AI_DRAFT":
				r.Drafts = n
			case "REWRITE":
				r.Rewrites = n
			}
			return nil
		})
	if err != nil {
		return r, err
	}
	byQuestion := map[uuid.UUID]map[string]stageRow{}
	err = query(ctx, env.db.SQL, `
SELECT q.id, q.created_at, s.stage, s.attempts, s.started_at, s.finished_at, s.provider_ms
FROM questions q JOIN pipeline_stages s ON s.question_id = q.id
WHERE q.id = ANY($1) AND s.status = 'DONE'`, []any{pq.Array(ids)}, func(rows *sql.Rows) error {
		var id uuid.UUID
		var s stageRow
		var providerMs int64
		if err := rows.Scan(&id, &s.submitted, &s.stage, &s.attempts, &s.started, &s.finished, &providerMs); err != nil {
			return err
		}
		s.provider = time.Duration(providerMs) * time.Millisecond
		if byQuestion[id] == nil {
			byQuestion[id] = map[string]stageRow{}
		}
		byQuestion[id][s.stage] = s
		return nil
	})
	if err != nil {
		return r, err
	}
	r.summarize(byQuestion)
	var jobs, all []time.Duration
	err = query(ctx, env.db.SQL, `SELECT topic, extract(epoch FROM delivered_at - created_at) FROM outbox_messages WHERE key = ANY($1)`,
		[]any{pq.Array(idStrings(ids))}, func(rows *sql.Rows) error {
			var topic string
			var lag float64
			if err := rows.Scan(&topic, &lag); err != nil {
				return err
			}
			d := time.Duration(lag * float64(time.Second))
			all = append(all, d)
			if strings.HasPrefix(topic, "pipeline.") {
				jobs = append(jobs, d)
			}
			return nil
		})
	r.RelayJobs, r.RelayAll, r.OutboxRows = newDist(jobs), newDist(all), len(all)
	return r, err
}

func idStrings(ids []uuid.UUID) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = id.String()
	}
	return out
}

// summarize computes the round's figures from the stage rows of its questions.
func (r *result) summarize(byQuestion map[uuid.UUID]map[string]stageRow) {
	var first, last, lastSubmitted time.Time
	var endToEnd []time.Duration
	overhead, provider, wait := map[string][]time.Duration{}, map[string][]time.Duration{}, map[string][]time.Duration{}
	for _, stages := range byQuestion {
		prevEnd := time.Time{}
		for _, name := range stageNames {
			s, ok := stages[name]
			if !ok {
				break
			}
			if prevEnd.IsZero() {
				prevEnd = s.submitted
				if first.IsZero() || s.submitted.Before(first) {
					first = s.submitted
				}
				if s.submitted.After(lastSubmitted) {
					lastSubmitted = s.submitted
				}
			}
			if s.attempts > 1 {
				r.Restarted++
			}
			overhead[name] = append(overhead[name], s.finished.Sub(s.started)-s.provider)
			provider[name] = append(provider[name], s.provider)
			wait[name] = append(wait[name], s.started.Sub(prevEnd))
			prevEnd = s.finished
			if name == "CHECK" {
				endToEnd = append(endToEnd, s.finished.Sub(s.submitted))
				if s.finished.After(last) {
					last = s.finished
				}
			}
		}
	}
	for _, name := range stageNames {
		r.Stages[name] = stageFigures{Overhead: newDist(overhead[name]), Provider: newDist(provider[name]), Wait: newDist(wait[name])}
	}
	r.EndToEnd = newDist(endToEnd)
	if !first.IsZero() && last.After(first) {
		r.Span = last.Sub(first)
		r.Submitting = lastSubmitted.Sub(first)
		r.Throughput = float64(len(endToEnd)) / r.Span.Seconds()
	}
}

func query(ctx context.Context, conn *sql.DB, q string, args []any, scan func(*sql.Rows) error) error {
	rows, err := conn.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := scan(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// printRound prints one round's figures.
func printRound(r result) {
	fmt.Printf("throughput: %d questions in %s = %.1f questions/s end to end (first submission to last AWAITING_EXPERT); submitting took %s\n",
		r.Questions, r.Span.Round(time.Millisecond), r.Throughput, r.Submitting.Round(time.Millisecond))
	fmt.Printf("outcome: pipeline DONE %d of %d%s; revisions %d AI_DRAFT, %d REWRITE; stages started more than once %d; dead jobs %d\n",
		r.Done, r.Questions, ended(r.Ended), r.Drafts, r.Rewrites, r.Restarted, r.DeadJobs)
	fmt.Printf("%-8s %-27s %-27s %-27s\n", "stage", "overhead p50/p99/max", "provider p50/p99/max", "wait before p50/p99/max")
	for _, name := range stageNames {
		s := r.Stages[name]
		fmt.Printf("%-8s %s    %s    %s\n", name, s.Overhead, s.Provider, s.Wait)
	}
	fmt.Printf("per question, submission to AWAITING_EXPERT p50/p99/max: %s\n", r.EndToEnd)
	fmt.Printf("outbox: %.1f rows per question; relay lag (row written to its batch marked published) p50/p99/max: pipeline jobs %s, all rows %s\n",
		float64(r.OutboxRows)/float64(max(r.Questions, 1)), r.RelayJobs, r.RelayAll)
	fmt.Printf("CPU per question (the phase's, notifications included, / questions): workers %s, their PostgreSQL backends %s; this tool %s, its backends %s\n",
		perQuestion(r.CPU["workers"], r.Questions), perQuestion(r.CPU["postgres (workers)"], r.Questions),
		perQuestion(r.CPU["tool"], r.Questions), perQuestion(r.CPU["postgres (tool)"], r.Questions))
	fmt.Printf("after the last question: %s until the outbox and the job queues were empty; load average %s\n",
		r.Drain.Round(10*time.Millisecond), r.Load)
	what, ok := r.target()
	fmt.Printf("target: %s: %s\n", what, verdict(ok && r.Done == r.Questions))
}

func perQuestion(d time.Duration, n int) string {
	return ms(d / time.Duration(max(n, 1)))
}

func ended(m map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, fmt.Sprintf(", %s %d", k, m[k]))
	}
	return strings.Join(parts, "")
}

func verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// printSummary prints one line per phase.
func printSummary(results []result) {
	fmt.Printf("\n%-8s %-15s %12s %12s %12s %12s %12s %10s\n", "workers", "submitted", "questions/s", "DRAFT p99", "REWRITE p99", "CHECK p99", "e2e p99", "target")
	for _, r := range results {
		fmt.Printf("%-8d %-15s %12.1f %12s %12s %12s %12s %10s\n", r.Workers, r.Phase, r.Throughput,
			ms(r.Stages["DRAFT"].Overhead.P99), ms(r.Stages["REWRITE"].Overhead.P99), ms(r.Stages["CHECK"].Overhead.P99),
			ms(r.EndToEnd.P99), verdict(r.passed()))
	}
	fmt.Println("(stage columns: overhead p99, the time in the stage less the provider's; target: throughput all at once, overhead paced)")
}

// loadAverage is the first three fields of /proc/loadavg: what else shared the cores.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}
