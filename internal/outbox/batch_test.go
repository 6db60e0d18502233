package outbox_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"backbone/internal/outbox"
	"backbone/internal/queue"
)

// batchingQueue is a counting queue that can publish many jobs at once (as RabbitMQ's
// does): it records each batch's topics and may refuse some of its jobs (failTopic).
type batchingQueue struct {
	*countingQueue
	failTopic string

	mu      sync.Mutex
	batches [][]string // the topics of each batch, in order
	singles int        // jobs given to Publish
}

func (q *batchingQueue) Publish(ctx context.Context, topic, id string, payload []byte) error {
	q.mu.Lock()
	q.singles++
	q.mu.Unlock()
	return q.countingQueue.Publish(ctx, topic, id, payload)
}

func (q *batchingQueue) PublishBatch(ctx context.Context, msgs []queue.Message) []error {
	out := make([]error, len(msgs))
	var topics []string
	for i, m := range msgs {
		topics = append(topics, m.Topic)
		if m.Topic == q.failTopic {
			out[i] = errors.New("refused")
			continue
		}
		out[i] = q.countingQueue.Publish(ctx, m.Topic, m.ID, m.Payload)
	}
	q.mu.Lock()
	q.batches = append(q.batches, topics)
	q.mu.Unlock()
	return out
}

// TestRelayHandsABatchToTheQueueAtOnce: a relay on a queue that publishes batches gives
// it the claimed rows' jobs, the events' queue topics included, in one call in row order,
// instead of waiting for each; then the events go to the bus.
func TestRelayHandsABatchToTheQueueAtOnce(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[0].url(t), true)
	b, sub := listen(t, "question.updated")
	q := &batchingQueue{countingQueue: newCountingQueue(t)}
	r := newRelay(t, d, q, b, outbox.Options{EventJobs: map[string][]string{"question.updated": {"notify.question.updated"}}})
	mustAdd(t, d, outbox.Job, "pipeline.draft", "a", 2)
	mustAdd(t, d, outbox.Event, "question.updated", "e", 1)
	mustAdd(t, d, outbox.Job, "pipeline.rewrite", "b", 1)

	if n, err := r.RunOnce(context.Background()); err != nil || n != 4 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	want := [][]string{{"pipeline.draft", "pipeline.draft", "notify.question.updated", "pipeline.rewrite"}}
	if !slices.EqualFunc(q.batches, want, slices.Equal) || q.singles != 0 {
		t.Fatalf("batches %v and %d single publishes; want %v and none", q.batches, q.singles, want)
	}
	if pending(t, r) != 0 {
		t.Fatal("rows left undelivered")
	}
	select {
	case m := <-sub.C():
		if string(m.Payload) != "e-0" {
			t.Fatalf("bus got %q", m.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event never reached the bus")
	}
}

// TestBatchFailureFailsOnlyItsRow: a job the queue refused within a batch makes its row
// (here an event, which then stays off the bus) fail and wait for its backoff; the
// batch's other rows are delivered.
func TestBatchFailureFailsOnlyItsRow(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[1].url(t), true)
	b, sub := listen(t, "payout.decided")
	q := &batchingQueue{countingQueue: newCountingQueue(t), failTopic: "notify.payout.decided"}
	r := newRelay(t, d, q, b, outbox.Options{EventJobs: map[string][]string{"payout.decided": {"notify.payout.decided"}},
		Backoff: func(int) time.Duration { return time.Hour }})
	mustAdd(t, d, outbox.Job, "t", "before", 1)
	mustAdd(t, d, outbox.Event, "payout.decided", "p", 1)
	mustAdd(t, d, outbox.Job, "t", "after", 1)

	if n, err := r.RunOnce(context.Background()); err != nil || n != 3 {
		t.Fatalf("RunOnce = %d, %v", n, err)
	}
	for _, row := range rows(t, d) {
		failed := row.Key == "p-0"
		if (row.DeliveredAt == nil) != failed || (row.Attempts == 1) != failed || (row.LastError != "") != failed {
			t.Fatalf("row %s after a batch in which only p-0 was refused: %+v", row.Key, row)
		}
	}
	select {
	case m := <-sub.C():
		t.Fatalf("the bus got %q though its job was refused", m.Payload)
	case <-time.After(200 * time.Millisecond):
	}
}
