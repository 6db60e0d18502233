package tracing

import (
	"context"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// Propagator reads and writes the W3C trace context (traceparent, tracestate) on every
// boundary: HTTP requests, outbox rows and job messages.
var Propagator propagation.TextMapPropagator = propagation.TraceContext{}

// Carrier is a trace context in its W3C header form, such as
// {"traceparent": "00-<trace id>-<span id>-01"}.
type Carrier = map[string]string

// Inject returns the trace context of ctx's span, or nil when ctx has none (no span, or
// tracing off and nothing propagated in).
func Inject(ctx context.Context) Carrier {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil // the common case with tracing off: no map to make
	}
	c := propagation.MapCarrier{}
	Propagator.Inject(ctx, c)
	if len(c) == 0 {
		return nil
	}
	return c
}

// Extract returns ctx continuing the trace context c carries: spans started from it are
// its children. An empty or malformed c leaves ctx as it is.
func Extract(ctx context.Context, c Carrier) context.Context {
	if len(c) == 0 {
		return ctx
	}
	return Propagator.Extract(ctx, propagation.MapCarrier(c))
}
