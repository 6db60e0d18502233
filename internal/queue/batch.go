package queue

import "context"

// Message is one job to publish with PublishAll.
type Message struct {
	Topic   string
	ID      string // the job's id, as Publish's
	Payload []byte
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
			out[i] = q.Publish(ctx, m.Topic, m.ID, m.Payload)
		}
	}
	return out
}
