package tracing_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"backbone/internal/tracing"
)

// TestInjectExtractRoundTrip: a span context written as W3C headers reads back the same
// (remote); a context without a span writes nothing and an empty carrier changes nothing.
func TestInjectExtractRoundTrip(t *testing.T) {
	t.Parallel()
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:     trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
		TraceFlags: trace.FlagsSampled,
	})
	c := tracing.Inject(trace.ContextWithSpanContext(context.Background(), sc))
	if want := "00-0102030405060708090a0b0c0d0e0f10-0102030405060708-01"; c["traceparent"] != want {
		t.Fatalf("traceparent %q, want %q", c["traceparent"], want)
	}
	got := trace.SpanContextFromContext(tracing.Extract(context.Background(), c))
	if !got.IsRemote() || got.TraceID() != sc.TraceID() || got.SpanID() != sc.SpanID() || !got.IsSampled() {
		t.Fatalf("extracted %+v, want %+v (remote)", got, sc)
	}
	if c := tracing.Inject(context.Background()); c != nil {
		t.Fatalf("a context without a span gave %v", c)
	}
	if tracing.Extract(context.Background(), nil) != context.Background() {
		t.Fatal("an empty carrier changed the context")
	}
	bad := tracing.Extract(context.Background(), tracing.Carrier{"traceparent": "00-zz-01"})
	if trace.SpanContextFromContext(bad).IsValid() {
		t.Fatal("a malformed traceparent gave a span context")
	}
}
