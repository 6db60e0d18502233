package queue

import (
	"context"

	"backbone/internal/tracing"
)

// Message is one job to publish with PublishAll.
type Message struct {
	Topic   string
	ID      string // the job's id, as Publish's
	Payload []byte
	// Trace is the W3C trace context the job continues, such as the one stored with an
	// outbox row; when empty, the job continues the publishing context's trace.
	Trace tracing.Carrier
}

// BatchPublisher is a Queue that publishes many jobs at once faster than one Publish after
// another: AMQP sends them in order on its channel and then waits for all the broker's
// confirms, one round trip for the lot instead of one each.
type BatchPublisher interface {
	// PublishBatch publishes msgs in order and returns each one's outcome as Publish
	// would (nil: stored).
	PublishBatch(ctx context.Context, msgs []Message) []error
}

// PublishAll publishes msgs in order and returns each one's outcome (nil: stored), with
// q's PublishBatch when it has one, else with Publish one after another.
func PublishAll(ctx context.Context, q Queue, msgs []Message) []error {
	if b, ok := q.(BatchPublisher); ok {
		return b.PublishBatch(ctx, msgs)
	}
	out := make([]error, len(msgs))
	for i, m := range msgs {
		if out[i] = ctx.Err(); out[i] == nil {
			out[i] = q.Publish(tracing.Extract(ctx, m.Trace), m.Topic, m.ID, m.Payload)
		}
	}
	return out
}
