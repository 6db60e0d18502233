package main

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"entgo.io/ent/dialect"
	"github.com/google/uuid"

	"backbone/internal/db"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// stmtCounter counts the SQL statements run on behalf of one user (their requests carry
// them as the viewer), so that background workers sharing the database do not count.
type stmtCounter struct {
	user   atomic.Value // uuid.UUID
	n      atomic.Int64
	counts atomic.Int64 // of n, the SELECT COUNT statements
	joins  atomic.Int64 // of n, those joining questions (an answers' read rule in SQL)
}

// wrap is the driver wrapper openApp applies: ent's debug driver, reporting to the
// counter, while statements counts; the plain driver otherwise (the debug driver formats
// every statement with its arguments, which would weigh on BenchmarkQuestionPage).
func (c *stmtCounter) wrap(d dialect.Driver) dialect.Driver {
	return &countingDriver{Driver: d, debug: c.debug(d), c: c}
}

func (c *stmtCounter) debug(d dialect.Driver) *dialect.DebugDriver {
	return dialect.DebugWithContext(d, c.log).(*dialect.DebugDriver)
}

func (c *stmtCounter) log(ctx context.Context, args ...any) {
	p, ok := viewer.From(ctx)
	who, _ := c.user.Load().(uuid.UUID)
	// Queries and execs count, ent's and plain SQL's (QueryContext, ExecContext);
	// "started" and "committed" lines of a transaction do not.
	if msg := fmt.Sprint(args...); ok && p.UserID == who && (strings.Contains(msg, ".Query:") || strings.Contains(msg, ".Exec:") ||
		strings.Contains(msg, ".QueryContext:") || strings.Contains(msg, ".ExecContext:")) {
		c.n.Add(1)
		if strings.Contains(msg, "SELECT COUNT(") {
			c.counts.Add(1)
		}
		if strings.Contains(msg, "JOIN questions") {
			c.joins.Add(1)
		}
	}
}

// countingDriver sends a statement through debug while the counter counts, else
// straight to the driver. Its methods are the debug driver's.
type countingDriver struct {
	dialect.Driver
	debug *dialect.DebugDriver
	c     *stmtCounter
}

func (d *countingDriver) counting() bool {
	who, _ := d.c.user.Load().(uuid.UUID)
	return who != uuid.Nil
}

func (d *countingDriver) Exec(ctx context.Context, query string, args, v any) error {
	if d.counting() {
		return d.debug.Exec(ctx, query, args, v)
	}
	return d.Driver.Exec(ctx, query, args, v)
}

func (d *countingDriver) Query(ctx context.Context, query string, args, v any) error {
	if d.counting() {
		return d.debug.Query(ctx, query, args, v)
	}
	return d.Driver.Query(ctx, query, args, v)
}

func (d *countingDriver) ExecContext(ctx context.Context, query string, args ...any) (stdsql.Result, error) {
	if d.counting() {
		return d.debug.ExecContext(ctx, query, args...)
	}
	return d.Driver.(interface {
		ExecContext(context.Context, string, ...any) (stdsql.Result, error)
	}).ExecContext(ctx, query, args...)
}

func (d *countingDriver) QueryContext(ctx context.Context, query string, args ...any) (*stdsql.Rows, error) {
	if d.counting() {
		return d.debug.QueryContext(ctx, query, args...)
	}
	return d.Driver.(interface {
		QueryContext(context.Context, string, ...any) (*stdsql.Rows, error)
	}).QueryContext(ctx, query, args...)
}

// A transaction is counted whole or not at all, as it begins.
func (d *countingDriver) Tx(ctx context.Context) (dialect.Tx, error) {
	if d.counting() {
		return d.debug.Tx(ctx)
	}
	return d.Driver.Tx(ctx)
}

func (d *countingDriver) BeginTx(ctx context.Context, opts *stdsql.TxOptions) (dialect.Tx, error) {
	if d.counting() {
		return d.debug.BeginTx(ctx, opts)
	}
	return d.Driver.(interface {
		BeginTx(context.Context, *stdsql.TxOptions) (dialect.Tx, error)
	}).BeginTx(ctx, opts)
}

// statements runs fn and returns how many statements it ran for user.
func (c *stmtCounter) statements(user uuid.UUID, fn func()) int64 {
	c.user.Store(user)
	c.n.Store(0)
	c.counts.Store(0)
	c.joins.Store(0)
	fn()
	c.user.Store(uuid.Nil)
	return c.n.Load()
}

// newCountingWorld is newAzWorld with the server's database driver counting statements.
func newCountingWorld(t *testing.T) (*azWorld, *stmtCounter) {
	t.Helper()
	c := &stmtCounter{}
	url := testenv.NewPostgresDB(t)
	env := map[string]string{"DATABASE_URL": url, "TRUSTED_PROXIES": "127.0.0.1/32", "ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn", "MAIL_DIR": testMailDir(t)}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done, logs := make(chan string, 1), make(chan error, 1), &syncBuffer{}
	go func() { done <- serve(ctx, mapEnv(env), logs, ready, db.WithDriverWrap(c.wrap)) }()
	var once sync.Once
	stop := func() { once.Do(func() { cancel(); <-done }) }
	t.Cleanup(stop)
	w := &azWorld{}
	select {
	case addr := <-ready:
		w.ts = &testServer{URL: "http://" + addr, logs: logs, mailDir: env["MAIL_DIR"], stop: func() error { stop(); return nil }}
	case err := <-done:
		t.Fatalf("server did not start: %v\n%s", err, logs.String())
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start within 60s\n%s", logs.String())
	}
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatalf("open database: %v", err)
	}
	t.Cleanup(func() { _ = d.Close() })
	w.db = d.Client
	admin := w.newAdmin(t)
	w.callers = map[azCaller]*azAccount{azClient: w.register(t, false), azAdmin: admin}
	return w, c
}

// TestMyQuestionsRunsTheSameFewStatementsForAnyPageSize checks the dataloaders: a page of
// questions with their client, expert and answer costs one statement per kind of object,
// not one per question.
func TestMyQuestionsRunsTheSameFewStatementsForAnyPageSize(t *testing.T) {
	testenv.NeedPostgres(t)
	t.Parallel()
	w, counter := newCountingWorld(t)
	client := w.callers[azClient]
	experts := []*azAccount{w.qfExpert(t), w.qfExpert(t)}
	// One client asks 52 questions within the hour: lift the per-client limit.
	w.liftQuestionLimit(t)
	// Many waiting questions, then the newest four answered by two experts: both pages
	// hold answered questions.
	for range 48 {
		w.qfSubmit(t, client)
	}
	for i := range 4 {
		w.qfDelivered(t, client, experts[i%2])
	}
	const page = `query($n: Int!) { myQuestions(first: $n) { edges { node { title client { email } expert { id displayName email } answer { body } } } } }`
	type result struct {
		MyQuestions struct {
			Edges []struct {
				Node struct {
					Title  string
					Client struct{ Email string }
					Expert *struct {
						ID          string
						DisplayName string
						Email       *string
					}
					Answer *struct{ Body string }
				}
			}
		}
	}
	counts := map[int]int64{}
	for _, n := range []int{50, 5} {
		var out result
		counts[n] = counter.statements(client.UUID, func() {
			w.mustGQL(t, client.Token, page, map[string]any{"n": n}, &out)
		})
		if got := len(out.MyQuestions.Edges); got != n {
			t.Fatalf("first: %d answered %d questions", n, got)
		}
		answered := 0
		for _, e := range out.MyQuestions.Edges {
			if e.Node.Client.Email != client.Email {
				t.Fatalf("client email %q, want %q", e.Node.Client.Email, client.Email)
			}
			if e.Node.Answer != nil {
				answered++
				if e.Node.Expert == nil || (e.Node.Expert.ID != experts[0].ID && e.Node.Expert.ID != experts[1].ID) || e.Node.Expert.DisplayName == "" {
					t.Fatalf("an answered question's expert is %+v", e.Node.Expert)
				}
				if e.Node.Expert.Email != nil {
					t.Fatalf("the client sees the expert's email %q", *e.Node.Expert.Email)
				}
			}
		}
		if answered != 4 {
			t.Fatalf("%d answered questions among the newest %d, want 4", answered, n)
		}
	}
	t.Logf("statements: first 50 -> %d, first 5 -> %d", counts[50], counts[5])
	if counts[50] != counts[5] {
		t.Fatalf("first: 50 ran %d statements, first: 5 ran %d: a lookup is per question", counts[50], counts[5])
	}
	if counts[50] > 4 || counts[50] == 0 {
		t.Fatalf("myQuestions ran %d statements, want 1 to 4", counts[50])
	}
}
