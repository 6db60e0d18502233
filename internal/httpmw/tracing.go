package httpmw

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/metric/noop"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"backbone/internal/tracing"
)

// Trace makes a server span of every request but the probes (/healthz, /livez, /readyz)
// and /metrics, with tp, continuing the W3C traceparent a caller sent. Route renames the
// span after the route once the mux has chosen it ("POST /query"). Install it only when
// tracing is on: off, the chain has no tracing at all.
func Trace(tp trace.TracerProvider) Middleware {
	return func(next http.Handler) http.Handler {
		return otelhttp.NewHandler(next, "http.server",
			otelhttp.WithTracerProvider(tp),
			otelhttp.WithPropagators(tracing.Propagator),
			otelhttp.WithMeterProvider(noop.NewMeterProvider()), // metrics are Prometheus's
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method }),
			otelhttp.WithFilter(func(r *http.Request) bool { return !untraced[r.URL.Path] }),
		)
	}
}

// untraced are the paths polled by orchestrators and scrapers, whose spans would be noise.
var untraced = map[string]bool{"/healthz": true, "/livez": true, "/readyz": true, "/metrics": true}

// nameSpan names the request's span after its route, when it is traced.
func nameSpan(r *http.Request) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() || r.Pattern == "" {
		return
	}
	route := r.Pattern
	if _, path, ok := strings.Cut(route, " "); ok {
		route = path // "GET /healthz": the method is the span's already
	}
	span.SetName(r.Method + " " + route)
	span.SetAttributes(semconv.HTTPRoute(route))
}
