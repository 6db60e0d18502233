package main

import (
	"context"

	"go.opentelemetry.io/otel/trace"

	"backbone/internal/config"
	"backbone/internal/tracing"
)

type tracingKey struct{}

// withTracing returns ctx asking openApp to trace with t instead of what the
// configuration says, such as a provider recording spans in memory in a test.
func withTracing(ctx context.Context, t *tracing.Tracing) context.Context {
	return context.WithValue(ctx, tracingKey{}, t)
}

// openTracing starts the OTLP exporter when the configuration turns tracing on, and
// returns tracing turned off otherwise.
func openTracing(ctx context.Context, cfg config.Config) (*tracing.Tracing, error) {
	if t, ok := ctx.Value(tracingKey{}).(*tracing.Tracing); ok {
		return t, nil
	}
	if !cfg.Tracing {
		return tracing.Off(), nil
	}
	return tracing.StartOTLP(ctx, tracing.Service{Name: "backbone", Version: version()})
}

// flushTracing sends the spans still buffered, at shutdown.
func (a *app) flushTracing() error {
	ctx, cancel := context.WithTimeout(context.Background(), tracing.ShutdownTimeout)
	defer cancel()
	return a.tracing.Shutdown(ctx)
}

// tracer is the tracer provider of the request path: nil when tracing is off, so that the
// HTTP and GraphQL layers install nothing.
func (a *app) tracer() trace.TracerProvider {
	if !a.tracing.Enabled() {
		return nil
	}
	return a.tracing.Provider
}
