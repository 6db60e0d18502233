// Package tracing sets up OpenTelemetry tracing (an OTLP/HTTP exporter when configured, a no-op provider otherwise) and carries the W3C trace context through the outbox and the job queues.
package tracing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Tracing is a process's tracer provider and how to stop it.
type Tracing struct {
	// Provider makes the tracers of every instrumented part; a no-op one when off.
	Provider trace.TracerProvider
	enabled  bool
	shutdown func(context.Context) error
}

// Off is tracing turned off: a no-op provider, and nothing to flush.
func Off() *Tracing {
	return &Tracing{Provider: noop.NewTracerProvider(), shutdown: func(context.Context) error { return nil }}
}

// Enabled reports whether spans are recorded. When false, the HTTP, GraphQL and database
// instrumentation is not installed at all, so that it costs nothing per request.
func (t *Tracing) Enabled() bool { return t.enabled }

// Shutdown flushes the spans still buffered and stops the provider; later spans are dropped.
func (t *Tracing) Shutdown(ctx context.Context) error { return t.shutdown(ctx) }

// Service names the process in every span's resource (service.name, service.version).
type Service struct{ Name, Version string }

// StartOTLP starts tracing with the OTLP/HTTP exporter. The exporter, the sampler, the
// batch processor and the resource read the standard OTEL_* environment variables
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER,
// OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, ...) themselves; svc gives the defaults of
// the service's name and version. The exporter connects lazily: a collector that is down
// costs dropped spans, never a failed start.
func StartOTLP(ctx context.Context, svc Service) (*Tracing, error) {
	exp, err := otlptracehttp.New(ctx)
	if err != nil {
		return nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}
	res, err := serviceResource(ctx, svc)
	if err != nil {
		return nil, errors.Join(err, exp.Shutdown(ctx))
	}
	return withProvider(sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))), nil
}

// StartWith starts tracing that hands every span to sp, such as tracetest's SpanRecorder
// in tests.
func StartWith(ctx context.Context, svc Service, sp sdktrace.SpanProcessor) (*Tracing, error) {
	res, err := serviceResource(ctx, svc)
	if err != nil {
		return nil, err
	}
	return withProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sp), sdktrace.WithResource(res))), nil
}

func withProvider(tp *sdktrace.TracerProvider) *Tracing {
	return &Tracing{Provider: tp, enabled: true, shutdown: tp.Shutdown}
}

// serviceResource describes the process: svc's name and version, overridden by
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, plus the host and the SDK.
func serviceResource(ctx context.Context, svc Service) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(semconv.ServiceName(svc.Name), semconv.ServiceVersion(svc.Version)),
		resource.WithFromEnv(), // after: the environment's values win
		resource.WithHost(),
		resource.WithTelemetrySDK(),
	)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	return res, nil
}

// ShutdownTimeout bounds the final flush at shutdown.
const ShutdownTimeout = 5 * time.Second
