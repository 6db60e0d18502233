package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"github.com/XSAM/otelsql"
	"modernc.org/sqlite"
)

// Register the pure-Go driver under the cgo driver's name too, so that ent and Atlas code
// that opens "sqlite3" works without cgo. Never link mattn/go-sqlite3 as well: both
// registering "sqlite3" panics.
func init() {
	// SQLite's LOWER folds ASCII letters only, while ent's ContainsFold and EqualFold lower
	// their argument in Go: "Ömer" then matched nothing, not even as typed. Go's LOWER
	// replaces the built-in on every connection of both driver names, so that text
	// matches in any case as on PostgreSQL. It costs a Go call per row where a query
	// lowers a column (searches).
	sqlite.MustRegisterDeterministicScalarFunction("lower", 1, lowerFunc)
	cgoName := &sqlite.Driver{}
	if err := cgoName.RegisterFunction("lower", &sqlite.FunctionImpl{NArgs: 1, Deterministic: true, Scalar: lowerFunc}); err != nil {
		panic(err)
	}
	sql.Register("sqlite3", cgoName)
}

// lowerFunc is LOWER(x) with Go's Unicode case mapping; like SQLite's, it answers NULL
// for NULL and the text of a number for a number.
func lowerFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case nil:
		return nil, nil
	case string:
		return strings.ToLower(v), nil
	case []byte:
		return strings.ToLower(string(v)), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	default:
		return fmt.Sprint(v), nil
	}
}

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
