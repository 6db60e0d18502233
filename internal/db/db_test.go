package db_test

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"backbone/internal/db"
	"backbone/internal/testenv"
)

func TestParseURLAcceptsSupportedForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, url, driver, dsnPrefix string
	}{
		{"postgres", "postgres://u:p@127.0.0.1:5432/app?sslmode=disable", "postgres", "postgres://"},
		{"postgresql", "postgresql://127.0.0.1/app", "postgres", "postgresql://"},
		{"postgres unix socket", "postgres:///app?host=/var/run/postgresql", "postgres", "postgres://"},
		{"sqlite relative", "sqlite://data/app.db", "sqlite", "file:data/app.db?"},
		{"sqlite absolute", "sqlite:///var/lib/app.db", "sqlite", "file:/var/lib/app.db?"},
		{"sqlite memory", "sqlite::memory:", "sqlite", "file::memory:?"},
		{"sqlite memory url", "sqlite://:memory:", "sqlite", "file::memory:?"},
		{"file dsn", "file:app.db?cache=private", "sqlite", "file:app.db?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			driver, dsn, err := db.ParseURL(tt.url)
			if err != nil {
				t.Fatalf("ParseURL(%q): %v", tt.url, err)
			}
			if driver != tt.driver || !strings.HasPrefix(dsn, tt.dsnPrefix) {
				t.Fatalf("ParseURL(%q) = %q, %q; want %q, prefix %q", tt.url, driver, dsn, tt.driver, tt.dsnPrefix)
			}
		})
	}
}

func TestParseURLForcesSQLitePragmas(t *testing.T) {
	t.Parallel()
	_, dsn, err := db.ParseURL("file:app.db?_fk=0&_pragma=foreign_keys(0)&_pragma=busy_timeout(1)")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"_pragma=foreign_keys(1)", "_pragma=journal_mode(WAL)", "_pragma=busy_timeout(1)", "_txlock=immediate"} {
		if !strings.Contains(dsn, want) {
			t.Errorf("dsn %q lacks %q", dsn, want)
		}
	}
	for _, unwanted := range []string{"foreign_keys(0)", "_fk=0", "busy_timeout(10000)"} {
		if strings.Contains(dsn, unwanted) {
			t.Errorf("dsn %q keeps %q", dsn, unwanted)
		}
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, url string }{
		{"empty", ""},
		{"blank", "   "},
		{"unknown scheme", "mysql://root@localhost/app"},
		{"no scheme", "app.db"},
		{"redis", "redis://127.0.0.1:6379/0"},
		{"unparsable postgres", "postgres://u:p@127.0.0.1:5432/%zz"},
		{"bad postgres port", "postgres://127.0.0.1:notaport/app"},
		{"bad postgres option", "postgres://127.0.0.1/app?sslmode=sometimes"},
		{"sqlite without path", "sqlite://"},
		{"file without path", "file:"},
		{"sqlite bad query", "sqlite://app.db?a=%zz"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := db.Open(context.Background(), tt.url, slog.New(slog.DiscardHandler))
			if err == nil {
				d.Close()
				t.Fatalf("Open(%q) succeeded", tt.url)
			}
			if !errors.Is(err, db.ErrBadURL) {
				t.Fatalf("Open(%q) = %v; want ErrBadURL", tt.url, err)
			}
		})
	}
}

func TestOpenSQLiteConfiguresEveryConnection(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewSQLiteURL(t))
	if d.Driver() != "sqlite" || d.Dialect != "sqlite3" {
		t.Fatalf("Driver() = %q, Dialect = %q", d.Driver(), d.Dialect)
	}
	if err := d.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	var fk int
	var journal string
	if err := d.SQL.QueryRow("PRAGMA foreign_keys").Scan(&fk); err != nil {
		t.Fatal(err)
	}
	if err := d.SQL.QueryRow("PRAGMA journal_mode").Scan(&journal); err != nil {
		t.Fatal(err)
	}
	if fk != 1 || journal != "wal" {
		t.Fatalf("foreign_keys = %d, journal_mode = %q; want 1, wal", fk, journal)
	}
}

func TestOpenSQLiteReadsProceedBesideAWriteTransaction(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewSQLiteURL(t))
	ctx := context.Background()
	if _, err := d.SQL.Exec("CREATE TABLE t (v integer)"); err != nil {
		t.Fatal(err)
	}
	tx, err := d.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	// With a single-connection pool this read would wait for the transaction forever.
	readCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	var n int
	if err := d.SQL.QueryRowContext(readCtx, "SELECT count(*) FROM t").Scan(&n); err != nil {
		t.Fatalf("read beside a write transaction: %v", err)
	}
	if n != 0 {
		t.Fatalf("read saw %d uncommitted rows", n)
	}
}

func TestOpenSQLiteInMemory(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, "sqlite::memory:")
	if _, err := d.SQL.Exec("CREATE TABLE t (v integer)"); err != nil {
		t.Fatal(err)
	}
	// Same single connection: the table is still there.
	if _, err := d.SQL.Exec("INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
}

func TestOpenPostgres(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewPostgresDB(t))
	if d.Driver() != "postgres" || d.Dialect != "postgres" {
		t.Fatalf("Driver() = %q, Dialect = %q", d.Driver(), d.Dialect)
	}
	if err := d.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenPostgresGivesUpWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	// Port 1: nothing listens, so Open retries until the context ends.
	d, err := db.Open(ctx, "postgres://postgres@127.0.0.1:1/none?sslmode=disable", slog.New(slog.DiscardHandler))
	if err == nil {
		d.Close()
		t.Fatal("Open succeeded without a server")
	}
	if errors.Is(err, db.ErrBadURL) {
		t.Fatalf("Open = %v; the URL is valid", err)
	}
}

// TestOpenPostgresGivesUpOnAServerThatNeverAnswers: lib/pq bounds its handshake by no
// context, so only the connection's connect_timeout (a default one) ends the wait.
func TestOpenPostgresGivesUpOnAServerThatNeverAnswers(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	u := "postgres://postgres@" + testenv.Blackhole(t) + "/none?sslmode=disable"
	opened := make(chan error, 1)
	go func() {
		d, err := db.Open(ctx, u, slog.New(slog.DiscardHandler))
		if err == nil {
			d.Close()
		}
		opened <- err
	}()
	select {
	case err := <-opened:
		if err == nil {
			t.Fatal("Open succeeded on a server that never answers")
		}
	case <-time.After(60 * time.Second):
		t.Fatal("Open still waits, a minute on, for a server that never answers")
	}
}

func TestOpenPostgresFailsFastOnAMissingDatabase(t *testing.T) {
	t.Parallel()
	admin := testenv.NeedPostgres(t)
	u := strings.Replace(admin, "/test?", "/"+testenv.RandomName("backbone_missing_")+"?", 1)
	if u == admin {
		t.Skip("admin URL has an unexpected form")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	d, err := db.Open(ctx, u, slog.New(slog.DiscardHandler))
	if err == nil {
		d.Close()
		t.Fatal("Open succeeded on a database that does not exist")
	}
	if ctx.Err() != nil {
		t.Fatal("Open retried a permanent error until the deadline")
	}
}

func mustOpen(tb testing.TB, url string) *db.DB {
	tb.Helper()
	d, err := db.Open(context.Background(), url, slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatalf("Open(%q): %v", url, err)
	}
	tb.Cleanup(func() { d.Close() })
	return d
}

// TestOpenPostgresPlansEachStatementOnce: the pool's connections keep one generic plan
// per prepared statement, unless the URL names plan_cache_mode itself.
func TestOpenPostgresPlansEachStatementOnce(t *testing.T) {
	t.Parallel()
	base := testenv.NewPostgresDB(t)
	auto, _ := url.Parse(base)
	q := auto.Query()
	q.Set("plan_cache_mode", "auto")
	auto.RawQuery = q.Encode()
	for _, tt := range []struct{ url, want string }{
		{base, "force_generic_plan"},
		{auto.String(), "auto"},
	} {
		d := mustOpen(t, tt.url)
		ctx := context.Background()
		conn, err := d.SQL.Conn(ctx) // one connection: prepared statements are per connection
		if err != nil {
			t.Fatal(err)
		}
		var mode string
		if err := conn.QueryRowContext(ctx, "SHOW plan_cache_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != tt.want {
			t.Errorf("%s: plan_cache_mode = %q, want %q", tt.url, mode, tt.want)
		}
		for range 6 { // auto would try 5 custom plans first
			var n int
			if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM pg_class WHERE relname = $1", "pg_class").Scan(&n); err != nil {
				t.Fatal(err)
			}
		}
		var generic, custom int
		if err := conn.QueryRowContext(ctx, `SELECT generic_plans, custom_plans FROM pg_prepared_statements
			WHERE statement = 'SELECT count(*) FROM pg_class WHERE relname = $1'`).Scan(&generic, &custom); err != nil {
			t.Fatal(err)
		}
		if wantCustom := tt.want == "auto"; (custom > 0) != wantCustom {
			t.Errorf("%s: %d generic and %d custom plans of a statement run 6 times", tt.url, generic, custom)
		}
		conn.Close()
	}
}

// LOWER folds letters outside ASCII on SQLite as Go (and PostgreSQL) do: ent's
// ContainsFold lowers its argument in Go and compares it with LOWER(column).
func TestSQLiteLowerFoldsUnicode(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewSQLiteURL(t))
	for in, want := range map[string]string{"ÖMER Élan": "ömer élan", "ÅNGSTRÖM": "ångström", "ASCII": "ascii"} {
		var got string
		if err := d.SQL.QueryRow("SELECT LOWER(?)", in).Scan(&got); err != nil || got != want {
			t.Errorf("LOWER(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
	var null *string
	var number string
	if err := d.SQL.QueryRow("SELECT LOWER(NULL), LOWER(42)").Scan(&null, &number); err != nil || null != nil || number != "42" {
		t.Errorf("LOWER(NULL), LOWER(42) = %v, %q (%v)", null, number, err)
	}
	// The cgo driver's name, which ent and Atlas tools open, has it too.
	other, err := sql.Open("sqlite3", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var got string
	if err := other.QueryRow("SELECT LOWER('ÖMER')").Scan(&got); err != nil || got != "ömer" {
		t.Errorf(`sqlite3: LOWER('ÖMER') = %q (%v)`, got, err)
	}
}
