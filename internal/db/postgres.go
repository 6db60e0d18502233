package db

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/lib/pq"
	"github.com/lib/pq/pqerror"
)

// Pool sizes for PostgreSQL: enough for a busy instance, well under the server's default
// max_connections (100) when a few instances and workers share it. Every open connection
// may stay idle: with fewer idle slots than open ones, a burst closes the connections it
// returns past the idle limit and the next burst dials them again (a new PostgreSQL
// backend each, the Connect seen in CPU profiles under load, issue 18); the idle time
// below still closes them once the load is gone.
const (
	pgMaxOpen     = 20
	pgMaxIdle     = pgMaxOpen
	pgMaxLifetime = 30 * time.Minute
	pgMaxIdleTime = 5 * time.Minute
)

// Every connection plans its prepared statements once (issue 18), unless DATABASE_URL
// names plan_cache_mode itself. The statements stay prepared on their connection
// (stmtCacheConnector), and under PostgreSQL's default (auto) a statement whose custom
// plans look cheaper than its generic one, such as a client's page of questions when
// that client has fewer questions than average, is planned again at every execution:
// about 0.45 ms of PostgreSQL's CPU per page of 20 questions (planning 0.35 ms, and the
// custom plan of the answers' read ran slower than the generic one).
const (
	planCacheMode = "plan_cache_mode"
	genericPlans  = "force_generic_plan"
)

// Every connection attempt, the handshake included, gives up after connectTimeout unless
// DATABASE_URL names connect_timeout itself (or PGCONNECT_TIMEOUT sets one). Without it
// lib/pq waits forever for a server that accepts the TCP connection and never answers
// (a hung host, a half-open proxy): it bounds the handshake by neither a context nor a
// deadline, so start-up, health checks and queries would hang with it.
const (
	connectTimeoutParam = "connect_timeout"
	connectTimeout      = 10 * time.Second
)

// openPostgres opens a lib/pq pool and waits, with backoff, for the server to answer. It
// returns the connector too, for pools aside (DB.OpenAside).
func openPostgres(ctx context.Context, dsn string, log *slog.Logger, o options) (*sql.DB, driver.Connector, error) {
	db, connector, err := newPostgresPool(dsn, o)
	if err != nil {
		return nil, nil, err
	}
	if err := waitReady(ctx, db, log, o.startupTimeout); err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, connector, nil
}

// newPostgresPool makes the pool, which has not connected yet, and its connector.
func newPostgresPool(dsn string, o options) (*sql.DB, driver.Connector, error) {
	cfg, err := pq.NewConfig(dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	if cfg.Runtime == nil {
		cfg.Runtime = map[string]string{}
	}
	if _, set := cfg.Runtime[planCacheMode]; !set {
		cfg.Runtime[planCacheMode] = genericPlans
	}
	if cfg.ConnectTimeout == 0 && !namesParam(dsn, connectTimeoutParam) {
		cfg.ConnectTimeout = connectTimeout
	}
	connector, err := pq.NewConnectorConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrBadURL, err)
	}
	var db *sql.DB
	cached := stmtCacheConnector{connector}
	if o.tracer != nil {
		db = otelsql.OpenDB(cached, o.otelOptions(systemPostgres)...)
	} else {
		db = sql.OpenDB(cached)
	}
	db.SetMaxOpenConns(pgMaxOpen)
	db.SetMaxIdleConns(pgMaxIdle)
	db.SetConnMaxLifetime(pgMaxLifetime)
	db.SetConnMaxIdleTime(pgMaxIdleTime)
	return db, connector, nil
}

// namesParam reports whether the URL dsn has the query parameter name.
func namesParam(dsn, name string) bool {
	u, err := url.Parse(dsn)
	return err == nil && u.Query().Has(name)
}

// waitReady pings until the server answers, a permanent error occurs (bad password,
// unknown database) or timeout passes.
func waitReady(ctx context.Context, db *sql.DB, log *slog.Logger, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := db.PingContext(ctx)
		if err == nil {
			return nil
		}
		if !transient(err) {
			return fmt.Errorf("connect to postgres: %w", err)
		}
		log.WarnContext(ctx, "postgres not ready, retrying", "attempt", attempt, "in", delay, "timeout", timeout, "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("connect to postgres: gave up after %d attempts: %w", attempt, err)
		case <-time.After(delay):
		}
		delay = min(delay*2, 2*time.Second)
	}
}

// transient reports whether a failed connection may succeed later: the server is
// unreachable or still starting up. Any other server error is final.
func transient(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Code == pqerror.CannotConnectNow || pe.Code == pqerror.TooManyConnections
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, driver.ErrBadConn)
}
