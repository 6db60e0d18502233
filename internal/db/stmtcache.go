package db

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// stmtCacheSize is how many prepared statements each PostgreSQL connection keeps; the
// least recently used are closed. ent's statements differ by the length of their IN
// lists, so a busy server makes more texts than it has queries. A statement holds about
// 50-80 KB in its backend (PostgreSQL 15, a page's answer read), so a full pool of 20
// connections holds up to about 100 MB.
const stmtCacheSize = 64

// stmtCacheConnector makes connections that keep their statements prepared. lib/pq runs
// a statement with arguments in two round trips, a Parse (unnamed) then a Bind and
// Execute, and PostgreSQL parses and plans it every time; a statement prepared once on
// a connection runs in one round trip, and PostgreSQL parses it once (issue 18).
// lib/pq's binary_parameters would give the one round trip too, but sends []byte
// arguments in binary, which breaks ent's JSON values on jsonb columns. A read without
// arguments (the admin's question list: its only values are literals) is prepared too,
// or PostgreSQL would plan it on every page; other statements without arguments keep
// lib/pq's simple protocol (they may hold several commands: migrations, DDL).
type stmtCacheConnector struct{ driver.Connector }

func (c stmtCacheConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, connectError{err}
	}
	inner, ok := conn.(pqConn)
	if !ok {
		return conn, nil
	}
	stmts, err := lru.NewLRU[string, driver.Stmt](stmtCacheSize, func(_ string, st driver.Stmt) { _ = st.Close() })
	if err != nil {
		return nil, errors.Join(err, conn.Close())
	}
	return &stmtCacheConn{pqConn: inner, stmts: stmts}, nil
}

// pqConn is what lib/pq's connection implements and database/sql uses.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.QueryerContext
	driver.ExecerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// stmtCacheConn is one connection and its prepared statements. database/sql uses a
// connection from one goroutine at a time, and lib/pq cannot start a statement while
// another's rows are open, so closing an evicted statement (a round trip) is safe.
type stmtCacheConn struct {
	pqConn
	stmts *lru.LRU[string, driver.Stmt]
}

func (c *stmtCacheConn) prepared(ctx context.Context, query string) (driver.Stmt, error) {
	if st, ok := c.stmts.Get(query); ok {
		return st, nil
	}
	st, err := c.pqConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts.Add(query, st)
	return st, nil
}

// forget drops the statement of query when PostgreSQL no longer runs it as prepared: a
// migration changed the type of a column it returns ("cached plan must not change
// result type"), or it is gone. The statement fails this once; the next one prepares
// it again.
func (c *stmtCacheConn) forget(query string, err error) {
	var pe *pq.Error
	if errors.As(err, &pe) && (pe.Code == pqerror.FeatureNotSupported || pe.Code == pqerror.InvalidSQLStatementName) {
		c.stmts.Remove(query)
	}
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if len(args) == 0 && !singleSelect(query) {
		return c.pqConn.QueryContext(ctx, query, args)
	}
	return runPrepared(ctx, c, query, func(st driver.Stmt) (driver.Rows, error) {
		return st.(driver.StmtQueryContext).QueryContext(ctx, args)
	})
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if len(args) == 0 {
		return c.pqConn.ExecContext(ctx, query, args)
	}
	return runPrepared(ctx, c, query, func(st driver.Stmt) (driver.Result, error) {
		return st.(driver.StmtExecContext).ExecContext(ctx, args)
	})
}

// singleSelect reports whether query is one SELECT, which can be prepared: a text with a
// semicolon may hold several commands, and the simple protocol runs those.
func singleSelect(query string) bool {
	return len(query) > len("SELECT ") && strings.EqualFold(query[:len("SELECT ")], "SELECT ") && !strings.Contains(query, ";")
}

// runPrepared runs query through its prepared statement on c, forgetting the statement
// when PostgreSQL no longer runs it as prepared.
func runPrepared[T any](ctx context.Context, c *stmtCacheConn, query string, run func(driver.Stmt) (T, error)) (T, error) {
	st, err := c.prepared(ctx, query)
	if err != nil {
		var none T
		return none, err
	}
	out, err := run(st)
	if err != nil {
		c.forget(query, err)
	}
	return out, err
}

// Close closes the connection; its statements go with it on the server.
func (c *stmtCacheConn) Close() error { return c.pqConn.Close() }
