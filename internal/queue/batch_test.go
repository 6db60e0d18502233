package queue_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"backbone/internal/errs"
	"backbone/internal/queue"
	"backbone/internal/queue/queuetest"
	"backbone/internal/testenv"
)

// TestPublishAllKeepsOrderAndReportsEachMessage publishes two topics' jobs interleaved,
// with a malformed one among them, in one PublishAll: RabbitMQ through PublishBatch (every
// job sent before the confirms are awaited), the memory queue one Publish after another.
// Each topic gets its jobs in order, and only the malformed one fails.
func TestPublishAllKeepsOrderAndReportsEachMessage(t *testing.T) {
	t.Parallel()
	queues := map[string]func(t *testing.T) queue.Queue{
		"amqp": func(t *testing.T) queue.Queue { return newAMQP(t, testenv.NeedAMQP(t)) },
		"memory": func(t *testing.T) queue.Queue {
			q := queue.NewMemory(discard())
			t.Cleanup(func() { q.Close() })
			return q
		},
	}
	for name, newQueue := range queues {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := newQueue(t)
			if _, ok := q.(queue.BatchPublisher); ok != (name == "amqp") {
				t.Fatalf("%s implements BatchPublisher: %v", name, ok)
			}
			a, b := queuetest.Topic(), queuetest.Topic()
			var msgs []queue.Message
			want := map[string][]string{}
			for i := range 40 {
				topic := []string{a, b}[i%2]
				if i == 7 {
					topic = "" // refused
				}
				id := fmt.Sprintf("job-%02d", i)
				msgs = append(msgs, queue.Message{Topic: topic, ID: id, Payload: []byte(id)})
				if topic != "" {
					want[topic] = append(want[topic], id)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), queuetest.Patience)
			defer cancel()
			got := queue.PublishAll(ctx, q, msgs)
			if len(got) != len(msgs) {
				t.Fatalf("%d outcomes for %d messages", len(got), len(msgs))
			}
			for i, err := range got {
				if i == 7 {
					if errs.CodeOf(err) != errs.BadUserInput {
						t.Fatalf("job without a topic: %v, want BAD_USER_INPUT", err)
					}
				} else if err != nil {
					t.Fatalf("job %d: %v", i, err)
				}
			}
			for _, topic := range []string{a, b} {
				if ids := queuetest.Drain(t, q, topic); !slices.Equal(ids, want[topic]) {
					t.Fatalf("topic %s delivered %v, want %v", topic, ids, want[topic])
				}
			}
		})
	}
}

// TestPublishBatchOnAClosedQueueIsUnavailable: every job of the batch fails as Publish
// would, none silently dropped.
func TestPublishBatchOnAClosedQueueIsUnavailable(t *testing.T) {
	t.Parallel()
	q := newAMQP(t, testenv.NeedAMQP(t))
	_ = q.Close()
	msgs := []queue.Message{{Topic: queuetest.Topic(), ID: "1"}, {Topic: queuetest.Topic(), ID: "2"}}
	for i, err := range q.PublishBatch(context.Background(), msgs) {
		if errs.CodeOf(err) != errs.Unavailable {
			t.Fatalf("job %d on a closed queue: %v, want UNAVAILABLE", i, err)
		}
	}
}
