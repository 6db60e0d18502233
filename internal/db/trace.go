package db

import (
	"context"
	"database/sql/driver"
	"time"

	"entgo.io/ent/dialect"
	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// Option tunes Open.
type Option func(*options)

type options struct {
	tracer         trace.TracerProvider // nil: statements are not traced
	wrap           func(dialect.Driver) dialect.Driver
	startupTimeout time.Duration
}

// DefaultStartupTimeout is how long Open waits, by default, for a PostgreSQL server that
// is still starting.
const DefaultStartupTimeout = 30 * time.Second

// WithStartupTimeout sets how long Open waits for a PostgreSQL server that is still
// starting (default DefaultStartupTimeout); ctx may end the wait sooner.
func WithStartupTimeout(d time.Duration) Option {
	return func(o *options) { o.startupTimeout = d }
}

// WithDriverWrap routes every statement of the ent client through wrap, such as a driver
// that counts statements in a test. The pool is not wrapped.
func WithDriverWrap(wrap func(dialect.Driver) dialect.Driver) Option {
	return func(o *options) { o.wrap = wrap }
}

// WithTracerProvider makes a span of every statement run within a traced operation (an
// HTTP request, a job), with tp. Statements outside any trace, such as the pollers' of
// background loops, make none. Without it the pool is not instrumented at all.
func WithTracerProvider(tp trace.TracerProvider) Option {
	return func(o *options) { o.tracer = tp }
}

// otelOptions are otelsql's settings for a pool of dialect system.
func (o options) otelOptions(system attribute.KeyValue) []otelsql.Option {
	return []otelsql.Option{
		otelsql.WithTracerProvider(o.tracer),
		otelsql.WithMeterProvider(noop.NewMeterProvider()), // metrics are Prometheus's
		otelsql.WithAttributes(system),
		otelsql.WithSpanOptions(otelsql.SpanOptions{
			OmitConnResetSession: true,
			OmitRows:             true,
			SpanFilter:           inTrace,
		}),
	}
}

// inTrace keeps statement spans to operations already traced: a root span per poll of
// every background loop would drown the traces that matter.
func inTrace(ctx context.Context, _ otelsql.Method, _ string, _ []driver.NamedValue) bool {
	return trace.SpanContextFromContext(ctx).IsValid()
}

var (
	systemPostgres = semconv.DBSystemNamePostgreSQL
	systemSQLite   = semconv.DBSystemNameSQLite
)
