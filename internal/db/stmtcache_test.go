package db_test

import (
	"bytes"
	"context"
	"testing"

	"backbone/internal/testenv"
)

// TestPostgresConnectionsKeepStatementsPrepared checks the statement cache on a real
// server: a statement with arguments is prepared once per connection and reused, one
// without arguments is not prepared (it may hold several commands), jsonb and bytea
// arguments still arrive intact, and a statement whose result type a migration changed
// fails once, then runs prepared again.
func TestPostgresConnectionsKeepStatementsPrepared(t *testing.T) {
	t.Parallel()
	d := mustOpen(t, testenv.NewPostgresDB(t))
	ctx := context.Background()
	conn, err := d.SQL.Conn(ctx) // one connection: its prepared statements are visible to it
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	prepared := func(text string) int {
		t.Helper()
		var n int
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement = $1`, text).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	if _, err := conn.ExecContext(ctx, `CREATE TABLE t (id int PRIMARY KEY, doc jsonb, raw bytea, n int); CREATE INDEX ON t (n)`); err != nil {
		t.Fatalf("several commands without arguments: %v", err)
	}
	const insert = `INSERT INTO t (id, doc, raw, n) VALUES ($1, $2, $3, $4)`
	raw := []byte{0, 1, '{', 0xff, '\\'}
	for i := range 3 {
		if _, err := conn.ExecContext(ctx, insert, i, []byte(`{"a": [1, "x"]}`), raw, i*10); err != nil {
			t.Fatalf("insert %d: %v", i, err)
		}
	}
	if got := prepared(insert); got != 1 {
		t.Fatalf("the insert is prepared %d times, want once", got)
	}
	const read = `SELECT doc->'a'->>1, raw, n FROM t WHERE id = $1`
	for i := range 3 {
		var (
			s string
			b []byte
			n int
		)
		if err := conn.QueryRowContext(ctx, read, i).Scan(&s, &b, &n); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
		if s != "x" || !bytes.Equal(b, raw) || n != i*10 {
			t.Fatalf("read %d = %q %v %d", i, s, b, n)
		}
	}
	if got := prepared(read); got != 1 {
		t.Fatalf("the read is prepared %d times, want once", got)
	}

	const list = `SELECT id FROM t ORDER BY id LIMIT 2`
	for range 3 {
		var ids []int
		rows, err := conn.QueryContext(ctx, list)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil || len(ids) != 2 || ids[0] != 0 || ids[1] != 1 {
			t.Fatalf("list = %v, %v", ids, err)
		}
	}
	if got := prepared(list); got != 1 {
		t.Fatalf("the read without arguments is prepared %d times, want once", got)
	}
	var last int
	if err := conn.QueryRowContext(ctx, `SELECT max(id) FROM t; SELECT 1`).Scan(&last); err != nil || last != 2 {
		t.Fatalf("two reads in one text without arguments (lib/pq answers the first): %d, %v", last, err)
	}

	// A statement first prepared in a transaction that rolls back stays prepared (they
	// belong to the session), and one that fails inside a transaction leaves the
	// connection usable after the rollback.
	const count = `SELECT count(*) FROM t WHERE n >= $1`
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var c int
	if err := tx.QueryRowContext(ctx, count, 10).Scan(&c); err != nil || c != 2 {
		t.Fatalf("count in a transaction: %d, %v", c, err)
	}
	if _, err := tx.ExecContext(ctx, insert, 0, nil, nil, 0); err == nil {
		t.Fatal("a duplicate key was inserted")
	}
	if err := tx.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, count, 0).Scan(&c); err != nil || c != 3 {
		t.Fatalf("count after the rollback: %d, %v", c, err)
	}
	if got := prepared(count); got != 1 {
		t.Fatalf("the count is prepared %d times, want once", got)
	}

	if _, err := conn.ExecContext(ctx, `ALTER TABLE t ALTER COLUMN n TYPE bigint`); err != nil {
		t.Fatal(err)
	}
	var s string
	var b []byte
	var n int64
	if err := conn.QueryRowContext(ctx, read, 1).Scan(&s, &b, &n); err == nil {
		t.Log("the changed result type did not fail the prepared read") // PostgreSQL may replan silently
	}
	if err := conn.QueryRowContext(ctx, read, 1).Scan(&s, &b, &n); err != nil || n != 10 {
		t.Fatalf("the read after the migration: %v (n = %d)", err, n)
	}
}
