package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"backbone/internal/accounts"
	"backbone/internal/ai"
	"backbone/internal/analytics"
	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/cache"
	"backbone/internal/config"
	"backbone/internal/db"
	"backbone/internal/health"
	"backbone/internal/httpmw"
	"backbone/internal/live"
	"backbone/internal/mail"
	"backbone/internal/memo"
	"backbone/internal/migrate"
	"backbone/internal/notify"
	"backbone/internal/questions"
	"backbone/internal/queue"
	"backbone/internal/redisconn"
	"backbone/internal/settings"
	"backbone/internal/tracing"
	"backbone/internal/wallet"
)

// app holds the resources of a running process, opened in order and closed in reverse.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	tracing *tracing.Tracing
	db      *db.DB
	redis   *redis.Client // nil in the embedded mode
	bus     bus.Bus
	cache   cache.Cache
	queue   queue.Queue
	// metrics is the registry /metrics serves; memoMetrics count the memos' hits in it.
	metrics     *prometheus.Registry
	memoMetrics *memo.Metrics

	auth        *auth.Service
	accounts    *accounts.Service
	revocations *auth.Revocations
	wallet      *wallet.Service
	settings    *settings.Service
	questions   *questions.Service
	analytics   *analytics.Service
	notify      *notify.Service
	unsubscribe notify.Unsubscriber
	keys        *token.KeySet // the JWT keys, which also sign unsubscribe links
	live        *live.Service
	ai          *ai.Client // nil without AI_BASE_URL: the AI stages are skipped
	mail        *mail.Service

	closers []func() error
}

// openApp connects to everything the configuration names, waiting for services that are
// still starting, and applies migrations unless told not to. dbOpts add to the database's
// options (tests wrap its driver with db.WithDriverWrap).
func openApp(ctx context.Context, cfg config.Config, log *slog.Logger, dbOpts ...db.Option) (_ *app, err error) {
	routeLibraryLogs(log)
	a := &app{cfg: cfg, log: log, metrics: httpmw.NewRegistry()}
	a.memoMetrics = memo.NewMetrics(a.metrics)
	defer func() {
		if err != nil {
			a.close()
		}
	}()

	startCtx, cancel := context.WithTimeout(ctx, cfg.StartupTimeout)
	defer cancel()

	if a.tracing, err = openTracing(ctx, cfg); err != nil {
		return nil, err
	}
	a.closers = append(a.closers, a.flushTracing) // first: flushed after everything else closed
	if a.tracing.Enabled() {
		dbOpts = append(dbOpts, db.WithTracerProvider(a.tracing.Provider))
	}
	dbOpts = append(dbOpts, db.WithStartupTimeout(cfg.StartupTimeout))
	if a.db, err = db.Open(startCtx, cfg.DatabaseURL, log, dbOpts...); err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	a.closers = append(a.closers, a.db.Close)

	busMetrics, err := bus.NewMetrics(a.metrics)
	if err != nil {
		return nil, err
	}
	if cfg.RedisURL != "" {
		if a.redis, err = redisconn.Open(startCtx, cfg.RedisURL, log, redisconn.WithConnectTimeout(cfg.StartupTimeout)); err != nil {
			return nil, fmt.Errorf("redis: %w", err)
		}
		a.closers = append(a.closers, a.redis.Close)
		a.bus = bus.NewRedis(a.redis, log, bus.WithChannelPrefix(cfg.Namespace+":bus:"), bus.WithMetrics(busMetrics))
		a.cache = cache.NewRedis(a.redis, cfg.Namespace+":cache:")
	} else {
		a.bus = bus.NewMemory(bus.WithMetrics(busMetrics))
		a.cache = cache.NewMemory(10_000)
	}
	a.closers = append(a.closers, a.bus.Close)

	if cfg.AMQPURL != "" {
		if a.queue, err = queue.NewAMQP(startCtx, cfg.AMQPURL, log, queue.WithPrefix(cfg.Namespace), queue.WithConnectTimeout(cfg.StartupTimeout),
			queue.WithTracerProvider(a.tracing.Provider)); err != nil {
			return nil, fmt.Errorf("rabbitmq: %w", err)
		}
	} else {
		a.queue = queue.NewMemory(log, queue.MemoryTracerProvider(a.tracing.Provider))
	}
	a.closers = append(a.closers, a.queue.Close)
	if err := a.migrate(ctx); err != nil {
		return nil, err
	}
	if err := a.countJobsAndLedger(); err != nil {
		return nil, err
	}

	if err := a.openMail(); err != nil {
		return nil, err
	}
	a.openSettings() // auth checks an expert's subjects against them
	if err := a.openAuth(); err != nil {
		return nil, err
	}
	if err := a.openWallet(); err != nil {
		return nil, err
	}
	if err := a.openAccounts(); err != nil {
		return nil, err
	}
	if err := a.openAI(); err != nil {
		return nil, err
	}
	a.openQuestions()
	a.openNotify()
	a.openLive()
	a.collectBacklogs()
	return a, nil
}

// migrate applies the pending migrations when MIGRATE_ON_START is set. STARTUP_TIMEOUT,
// which bounds the waits for the services, does not bound it: a migration may run, or
// wait for another instance's, as long as it needs. Otherwise it refuses a database that
// has migrations pending, which the code would meet as missing tables and columns. Either
// way it warns of a database a newer release migrated further.
func (a *app) migrate(ctx context.Context) error {
	if a.cfg.MigrateOnStart {
		n, err := migrate.Apply(ctx, a.db, a.log)
		if err != nil {
			return fmt.Errorf("migrations: %w", err)
		}
		a.log.Info("migrations applied", "files", n)
	}
	st, err := migrate.Status(ctx, a.db)
	if err != nil {
		return fmt.Errorf("migration status: %w", err)
	}
	if len(st.Pending) > 0 && !a.cfg.MigrateOnStart {
		return fmt.Errorf("the database has %d pending migration(s), from %s, and MIGRATE_ON_START is false: "+
			"run `backbone migrate` first, or set MIGRATE_ON_START=true", len(st.Pending), st.Pending[0])
	}
	warnIfAhead(a.log, st)
	return nil
}

// openCommandApp reads the configuration and opens the app for a command other than the
// server (worker, create-admin, seed), logging to logTo.
func openCommandApp(ctx context.Context, getenv func(string) string, logTo io.Writer) (*app, error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return nil, err
	}
	log, closeLog, err := newLogger(cfg, logTo)
	if err != nil {
		return nil, err
	}
	a, err := openApp(ctx, cfg, log)
	if err != nil {
		closeLog()
		return nil, err
	}
	// First in, so closed last: the other closers may log.
	a.closers = append([]func() error{func() error { closeLog(); return nil }}, a.closers...)
	return a, nil
}

// close releases resources in reverse order of opening.
func (a *app) close() error {
	var errs []error
	for i := len(a.closers) - 1; i >= 0; i-- {
		errs = append(errs, a.closers[i]())
	}
	a.closers = nil
	return errors.Join(errs...)
}

// healthChecks lists every dependency. The database is required; Redis and RabbitMQ are not:
// GraphQL keeps answering without them, so their outage shows but does not fail readiness.
func (a *app) healthChecks() []health.Check {
	mode := func(external bool) string {
		if external {
			return "external"
		}
		return "embedded"
	}
	return []health.Check{
		{Name: "database", Required: true, Mode: mode(a.db.Postgres()), Driver: a.db.Driver(), Ping: a.db.Ping},
		{Name: "bus", Mode: mode(a.redis != nil), Driver: driverName(a.redis != nil, "redis"), Ping: a.bus.Ping},
		{Name: "cache", Mode: mode(a.redis != nil), Driver: driverName(a.redis != nil, "redis"), Ping: a.cache.Ping},
		{Name: "queue", Mode: mode(a.cfg.AMQPURL != ""), Driver: driverName(a.cfg.AMQPURL != "", "amqp"), Ping: a.queue.Ping},
	}
}

func driverName(external bool, name string) string {
	if external {
		return name
	}
	return "memory"
}
