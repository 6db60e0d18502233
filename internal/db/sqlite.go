package db

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"

	"github.com/XSAM/otelsql"
	"modernc.org/sqlite"
)

// Register the pure-Go driver under the cgo driver's name too, so that ent and Atlas code
// that opens "sqlite3" works without cgo. Never link mattn/go-sqlite3 as well: both
// registering "sqlite3" panics.
func init() { sql.Register("sqlite3", &sqlite.Driver{}) }

// openSQLite opens a SQLite pool.
//
// Pool sizing: SQLite allows one writer at a time whatever the pool size. A pool of one
// connection would serialise reads behind every transaction and deadlock any code that
// reads through the client while holding a transaction. Instead the pool has a few
// connections: WAL lets readers proceed beside the writer, BEGIN IMMEDIATE (_txlock)
// makes each transaction take the write lock up front, and busy_timeout makes a second
// writer wait for it. An in-memory database lives in a single connection, so it keeps one.
func openSQLite(ctx context.Context, dsn string, o options) (*sql.DB, error) {
	var db *sql.DB
	var err error
	if o.tracer != nil {
		db, err = otelsql.Open("sqlite", dsn, o.otelOptions(systemSQLite)...)
	} else {
		db, err = sql.Open("sqlite", dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if strings.Contains(dsn, ":memory:") || strings.Contains(dsn, "mode=memory") {
		db.SetMaxOpenConns(1)
		db.SetMaxIdleConns(1)
		db.SetConnMaxLifetime(0)
		db.SetConnMaxIdleTime(0)
	} else {
		n := max(4, runtime.GOMAXPROCS(0))
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return db, nil
}
