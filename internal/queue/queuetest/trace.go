package queuetest

import (
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"backbone/internal/queue"
	"backbone/internal/tracing"
)

// testTraceContext: a handler's context continues the trace of the job's publisher,
// whether the publishing context had it (Publish) or the message carried it
// (PublishAll's Message.Trace, as the outbox relay's), on retries too; a job published
// outside any trace has none. The queue need not record spans for this.
func testTraceContext(t *testing.T, q queue.Queue) {
	topic := Topic()
	var mu sync.Mutex
	seen := map[string][]trace.TraceID{}
	StartConsumer(t, q, topic, func(ctx context.Context, j queue.Job) error {
		mu.Lock()
		seen[j.ID] = append(seen[j.ID], trace.SpanContextFromContext(ctx).TraceID())
		mu.Unlock()
		if j.ID == "in-ctx" && j.Attempt == 1 {
			return errors.New("transient")
		}
		return nil
	}, queue.ConsumeOptions{MaxAttempts: 3, Backoff: fast})

	inCtx, carried := randomSpanContext(), randomSpanContext()
	ctx, cancel := context.WithTimeout(trace.ContextWithRemoteSpanContext(context.Background(), inCtx), Patience)
	defer cancel()
	if err := q.Publish(ctx, topic, "in-ctx", nil); err != nil {
		t.Fatal(err)
	}
	withTrace := trace.ContextWithRemoteSpanContext(context.Background(), carried)
	msgs := []queue.Message{
		{Topic: topic, ID: "carried", Trace: tracing.Inject(withTrace)},
		{Topic: topic, ID: "untraced"},
	}
	for _, err := range queue.PublishAll(context.Background(), q, msgs) {
		if err != nil {
			t.Fatal(err)
		}
	}
	Eventually(t, "every job handled", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(seen["in-ctx"]) == 2 && len(seen["carried"]) == 1 && len(seen["untraced"]) == 1
	})
	mu.Lock()
	defer mu.Unlock()
	for i, id := range seen["in-ctx"] {
		if id != inCtx.TraceID() {
			t.Errorf("attempt %d of the job published in a trace ran in trace %v, want %v", i+1, id, inCtx.TraceID())
		}
	}
	if id := seen["carried"][0]; id != carried.TraceID() {
		t.Errorf("the job carrying a trace context ran in trace %v, want %v", id, carried.TraceID())
	}
	if id := seen["untraced"][0]; id.IsValid() {
		t.Errorf("the job published outside any trace ran in trace %v", id)
	}
}

func randomSpanContext() trace.SpanContext {
	var tid trace.TraceID
	var sid trace.SpanID
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
}
