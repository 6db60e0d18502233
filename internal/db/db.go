// Package db opens Backbone's database (PostgreSQL, or SQLite for the embedded default) and its ent client,
// and is the services' kernel for working with it: InTx (one transaction, run again after
// a deadlock, a serialization failure or ErrRetry, its ent errors coded), Coded (ent's
// errors as internal/errs codes, where ent is called), System (the privacy bypass for the
// system's own work) and the one dialect question (DB.Postgres, IsPostgres, ForUpdate,
// ForNoKeyUpdate). The clock whose times the database keeps is timex.Now; the signed-in
// check is viewer.Required. It imports only ent and internal/errs, so every service may use it.
package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"

	"entgo.io/ent/dialect"
	entsql "entgo.io/ent/dialect/sql"

	"backbone/ent"
	_ "backbone/ent/runtime" // registers the schema's defaults, hooks and privacy policies
)

// DB is an open database: the pool, its ent dialect and an ent client over that pool.
type DB struct {
	// SQL is the connection pool; Client uses it too.
	SQL *sql.DB
	// Dialect is dialect.Postgres or dialect.SQLite.
	Dialect string
	// Client is the ent client over SQL.
	Client *ent.Client

	connector driver.Connector // PostgreSQL's, for OpenAside; nil for SQLite
}

// Open opens the database a URL names and checks that it answers. Accepted URLs:
// postgres:// or postgresql:// (lib/pq; a server that is still starting is waited for,
// up to WithStartupTimeout), sqlite://PATH (relative, or absolute with a third slash), sqlite::memory:
// or sqlite://:memory: (one private in-memory database, for tests), and file:PATH (a
// SQLite DSN, query parameters kept). Errors about the URL wrap ErrBadURL. Open does
// not migrate: see package migrate. WithTracerProvider traces the statements;
// WithDriverWrap wraps the client's driver.
func Open(ctx context.Context, databaseURL string, log *slog.Logger, opts ...Option) (*DB, error) {
	o := options{startupTimeout: DefaultStartupTimeout}
	for _, f := range opts {
		f(&o)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	drv, dsn, err := ParseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	var (
		pool      *sql.DB
		dia       string
		connector driver.Connector
	)
	switch drv {
	case DriverPostgres:
		dia = dialect.Postgres
		pool, connector, err = openPostgres(ctx, dsn, log, o)
	default:
		dia = dialect.SQLite
		pool, err = openSQLite(ctx, dsn, o)
	}
	if err != nil {
		return nil, fmt.Errorf("db.Open: %w", err)
	}
	var entDriver dialect.Driver = entsql.OpenDB(dia, pool)
	if o.wrap != nil {
		entDriver = o.wrap(entDriver)
	}
	client := ent.NewClient(ent.Driver(entDriver))
	log.InfoContext(ctx, "database open", "driver", drv)
	return &DB{SQL: pool, Dialect: dia, Client: client, connector: connector}, nil
}

// OpenAside opens a pool of its own to the same PostgreSQL database, for a connection
// held for long beside the work it guards, such as a session-level advisory lock. Taken
// from SQL, that connection would be held while the work waits for another one, and a
// pool whose connections all wait that way waits for itself. The caller closes it.
func (d *DB) OpenAside() (*sql.DB, error) {
	if d.connector == nil {
		return nil, errors.New("db: a pool aside is for PostgreSQL only")
	}
	p := sql.OpenDB(d.connector)
	p.SetMaxIdleConns(1)
	p.SetConnMaxLifetime(pgMaxLifetime)
	p.SetConnMaxIdleTime(pgMaxIdleTime)
	return p, nil
}

// Close closes the ent client and the pool.
func (d *DB) Close() error { return d.Client.Close() }

// Ping checks that the database answers, for health checks.
func (d *DB) Ping(ctx context.Context) error { return d.SQL.PingContext(ctx) }

// Driver returns "postgres" or "sqlite".
func (d *DB) Driver() string {
	if d.Postgres() {
		return DriverPostgres
	}
	return DriverSQLite
}
