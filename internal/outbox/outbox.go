// Package outbox is the transactional outbox: jobs and events written in the transaction of
// the change that causes them, then published by a relay after commit, at least once.
package outbox

import (
	"context"
	"fmt"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/internal/tracing"
)

// Kind says where a message goes.
type Kind string

const (
	// Job goes to the queue, with the row id as its message id (consumers dedupe on it).
	Job Kind = "JOB"
	// Event goes to the bus, at most once to each subscriber, and as a job to the queue
	// topics the relay's Options.EventJobs names for its topic, for consumers that must
	// not miss it.
	Event Kind = "EVENT"
)

// Message is a job or an event to publish once the transaction that adds it commits.
type Message struct {
	Kind  Kind
	Topic string // such as "pipeline.draft"; at most 200 bytes
	// Key is what the message is about, such as a question id (optional, at most 200
	// bytes): kept with the row for logs and inspection.
	Key     string
	Payload []byte
}

// Add writes m with tx, which must be the transaction of the change that causes it: if
// the transaction rolls back, m is never published; once it commits, a relay publishes m
// at least once. The row keeps ctx's W3C trace context, which the published jobs
// continue. Add wakes this process's relays (they look again shortly after, since the
// commit comes later). Errors are not coded: a bad message is a programming error.
func Add(ctx context.Context, tx *ent.Client, m Message) error {
	switch {
	case m.Kind != Job && m.Kind != Event:
		return fmt.Errorf("outbox.Add: unknown kind %q", m.Kind)
	case m.Topic == "" || len(m.Topic) > 200 || len(m.Key) > 200:
		return fmt.Errorf("outbox.Add: topic must be 1 to 200 bytes and key at most 200, got %q %q", m.Topic, m.Key)
	}
	create := tx.OutboxMessage.Create().
		SetKind(outboxmessage.Kind(m.Kind)).
		SetTopic(m.Topic).
		SetKey(m.Key).
		SetPayload(m.Payload)
	if tc := tracing.Inject(ctx); tc != nil {
		create.SetTraceContext(tc)
	}
	err := create.Exec(ctx)
	if err != nil {
		return fmt.Errorf("outbox.Add: %w", err)
	}
	wake.notify()
	return nil
}
