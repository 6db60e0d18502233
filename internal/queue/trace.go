package queue

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"backbone/internal/tracing"
)

// spans makes a queue's send and process spans and carries the W3C trace context with
// each job, so that a job's handler continues the trace of the change that published it.
type spans struct {
	tracer trace.Tracer
	system attribute.KeyValue
}

func newSpans(tp trace.TracerProvider, system attribute.KeyValue) spans {
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	return spans{tracer: tp.Tracer("backbone/internal/queue"), system: system}
}

var systemMemory = semconv.MessagingSystemKey.String("backbone.memory")

// send starts the span of publishing one job, a child of ctx's span. It returns the trace
// context to send with the job (the span's own; empty when there is no trace).
func (s spans) send(ctx context.Context, topic, id string) (trace.Span, tracing.Carrier) {
	ctx, span := s.tracer.Start(ctx, "send "+topic,
		trace.WithSpanKind(trace.SpanKindProducer),
		trace.WithAttributes(s.system, semconv.MessagingOperationTypeSend,
			semconv.MessagingDestinationName(topic), semconv.MessagingMessageID(id)))
	return span, tracing.Inject(ctx)
}

// process starts the span of handling one delivery, a child of the context the job
// carries; the handler runs in the returned context.
func (s spans) process(ctx context.Context, job Job) (context.Context, trace.Span) {
	return s.tracer.Start(tracing.Extract(ctx, job.trace), "process "+job.Topic,
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(s.system, semconv.MessagingOperationTypeProcess,
			semconv.MessagingDestinationName(job.Topic), semconv.MessagingMessageID(job.ID),
			attribute.Int("backbone.job.attempt", job.Attempt)))
}

// end closes a span with err's outcome.
func end(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}
