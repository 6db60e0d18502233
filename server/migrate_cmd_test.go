package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"backbone/internal/db"
	"backbone/internal/testenv"
)

// migrationLockKey is internal/migrate's lockKey: holding it is another run in progress.
const migrationLockKey int64 = 0x6261636b626f6e65

// holdMigrationLock takes the migration lock on its own connection, as another instance's
// migration run does; release gives it back.
func holdMigrationLock(t *testing.T, databaseURL string) (pool *sql.DB, release func()) {
	t.Helper()
	pool, err := sql.Open("postgres", databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pool.Close() })
	conn, err := pool.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
		t.Fatal(err)
	}
	return pool, func() {
		if _, err := conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", migrationLockKey); err != nil {
			t.Error(err)
		}
		conn.Close()
	}
}

// awaitLockWaitBeyond waits until a session has waited for an advisory lock for longer
// than d, and fails the test if exited closes first (the run gave up waiting).
func awaitLockWaitBeyond(t *testing.T, pool *sql.DB, d time.Duration, exited <-chan struct{}, gaveUp func() error) {
	t.Helper()
	waitFor(t, 2*time.Minute, "a migration run waiting for the lock beyond "+d.String(), func() bool {
		select {
		case <-exited:
			t.Fatalf("the migration run stopped waiting for the lock: %v", gaveUp())
		default:
		}
		var waiting bool
		err := pool.QueryRow(`SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND wait_event = 'advisory' AND now() - query_start > $1 * interval '1 millisecond')`,
			d.Milliseconds()).Scan(&waiting)
		if err != nil {
			t.Fatal(err)
		}
		return waiting
	})
}

// STARTUP_TIMEOUT bounds the wait for the database, not the migration: a run that waits
// for another's lock (or runs) longer completes.
func TestMigrateCommandIsNotCutOffByTheStartupTimeout(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	pool, release := holdMigrationLock(t, url)
	env := mapEnv(map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "warn", "STARTUP_TIMEOUT": "1s"})
	var out strings.Builder
	var err error
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		err = run(context.Background(), []string{"migrate"}, env, &out, &strings.Builder{})
	}()
	awaitLockWaitBeyond(t, pool, 2*time.Second, exited, func() error { return err })
	release()
	<-exited
	if err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if !strings.Contains(out.String(), "applied") || strings.Contains(out.String(), "applied 0 ") {
		t.Errorf("migrate printed %q, want the files it applied", out.String())
	}
}

// The same at server start-up with MIGRATE_ON_START.
func TestMigrateOnStartIsNotCutOffByTheStartupTimeout(t *testing.T) {
	t.Parallel()
	url := testenv.NewPostgresDB(t)
	pool, release := holdMigrationLock(t, url)
	env := map[string]string{"DATABASE_URL": url, "STARTUP_TIMEOUT": "1s", "ADDR": "127.0.0.1:0", "LOG_LEVEL": "warn",
		"MAIL_DIR": testMailDir(t)}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	logs := &syncBuffer{}
	var err error
	exited := make(chan struct{})
	go func() { defer close(exited); err = serve(ctx, mapEnv(env), logs, ready) }()
	awaitLockWaitBeyond(t, pool, 2*time.Second, exited, func() error { return err })
	release()
	select {
	case <-ready:
	case <-exited:
		t.Fatalf("the server stopped: %v\n%s", err, logs.String())
	}
	cancel()
	<-exited
	if err != nil {
		t.Fatalf("server: %v\n%s", err, logs.String())
	}
}

// Without MIGRATE_ON_START an unmigrated database stops the start with what to do, not
// with the first missing table.
func TestPendingMigrationsWithoutMigrateOnStartAreNamed(t *testing.T) {
	t.Parallel()
	env := withDefaults(embeddedEnv(t), map[string]string{"MIGRATE_ON_START": "false", "ADDR": "127.0.0.1:0", "MAIL_DIR": testMailDir(t)})
	err := serve(context.Background(), mapEnv(env), &syncBuffer{}, nil)
	if err == nil || !strings.Contains(err.Error(), "pending migration") || !strings.Contains(err.Error(), "backbone migrate") {
		t.Fatalf("start on an unmigrated database: %v, want the pending migrations named and `backbone migrate`", err)
	}
	if err := run(context.Background(), []string{"migrate"}, mapEnv(env), io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	ts := startServer(t, env) // migrated: it starts
	if code := ts.getJSON(t, "/readyz", nil); code != http.StatusOK {
		t.Errorf("/readyz = %d", code)
	}
}

// TestAnOlderBinaryWarnsOfANewerSchema: a database a newer release migrated further
// still opens (its migrations may add what this binary ignores), with a warning naming
// both versions, in migrate and at start-up.
func TestAnOlderBinaryWarnsOfANewerSchema(t *testing.T) {
	t.Parallel()
	url := testenv.NewSQLiteURL(t)
	env := map[string]string{"DATABASE_URL": url, "LOG_LEVEL": "warn"}
	if err := run(context.Background(), []string{"migrate"}, mapEnv(env), io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(context.Background(), url, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.SQL.Exec(`INSERT INTO schema_revisions (version, description, type, applied, total, executed_at,
		execution_time, hash, partial_hashes, operator_version) VALUES ('20990101000000', 'from the future', 2, 1, 1,
		CURRENT_TIMESTAMP, 0, '', '[]', 'newer')`)
	d.Close()
	if err != nil {
		t.Fatal(err)
	}
	const warning = "the database's schema is newer than this binary's migrations"
	var out, logs strings.Builder
	if err := run(context.Background(), []string{"migrate"}, mapEnv(env), &out, &logs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), warning) || !strings.Contains(logs.String(), "database_version=20990101000000") {
		t.Errorf("migrate: stdout %q, stderr %q; want the warning", out.String(), logs.String())
	}
	ts := startServer(t, env)
	if !strings.Contains(ts.logs.String(), warning) {
		t.Errorf("start-up logs %q, want the warning", ts.logs.String())
	}
}
