package outbox_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"backbone/internal/bus"
	"backbone/internal/outbox"
	"backbone/internal/queue"
)

// failingBus is a real memory bus whose publishes fail while down is set (Redis away).
type failingBus struct {
	bus.Bus
	down bool
}

func (b *failingBus) Publish(ctx context.Context, topic string, payload []byte) error {
	if b.down {
		return errors.New("redis unreachable")
	}
	return b.Bus.Publish(ctx, topic, payload)
}

// TestEventJobsGoToTheQueueEvenWhenTheBusFails: an event with a durable queue topic
// reaches the queue as a job keyed by its row id although the bus refuses it; the row is
// retried until the bus takes it, each time with the same job id, and an event without
// one goes to the bus only.
func TestEventJobsGoToTheQueueEvenWhenTheBusFails(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[0].url(t), true)
	mem, sub := listen(t, "question.updated")
	b := &failingBus{Bus: mem, down: true}
	q := newCountingQueue(t)
	r := newRelay(t, d, q, b, outbox.Options{
		EventJobs: map[string][]string{"question.updated": {"notify.question.updated"}},
		Backoff:   func(int) time.Duration { return 0 },
	})
	mustAdd(t, d, outbox.Event, "question.updated", "durable", 1)
	mustAdd(t, d, outbox.Event, "task.taken", "live-only", 1)
	row := rows(t, d)[0]
	if row.Key != "durable-0" {
		t.Fatalf("first row is %q", row.Key)
	}

	if n, err := r.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("RunOnce with the bus down = %d, %v", n, err)
	}
	if got := q.counts(); len(got) != 1 || got[row.ID.String()] != 1 {
		t.Fatalf("jobs with the bus down: %v; want one, keyed by row %s", got, row.ID)
	}
	for _, rw := range rows(t, d) {
		if rw.Attempts != 1 || rw.DeliveredAt != nil {
			t.Fatalf("row %s after the bus refused it: %+v", rw.Key, rw)
		}
	}

	b.down = false
	eventually(t, "both events are delivered once the bus is back", func() bool {
		_, err := r.RunOnce(context.Background())
		return err == nil && pending(t, r) == 0
	})
	if got := q.counts(); len(got) != 1 || got[row.ID.String()] != 2 {
		t.Fatalf("jobs after the retry: %v; want the durable event's job twice under one id", got)
	}
	select {
	case m := <-sub.C():
		if string(m.Payload) != "durable-0" {
			t.Fatalf("bus got %q", m.Payload)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the event never reached the bus")
	}

	got := make(chan queue.Job, 4)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = q.Consume(ctx, "notify.question.updated", func(_ context.Context, j queue.Job) error { got <- j; return nil }, queue.ConsumeOptions{})
	}()
	for range 2 {
		select {
		case j := <-got:
			if j.ID != row.ID.String() || string(j.Payload) != "durable-0" {
				t.Fatalf("job %+v; want id %s and the event's payload", j, row.ID)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the job never reached the consumer")
		}
	}
}

// TestEventJobFailureKeepsTheEventOffTheBus: when the queue refuses the job, the event is
// not shown to live subscribers yet, so that the retry does not show it twice.
func TestEventJobFailureKeepsTheEventOffTheBus(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[1].url(t), true)
	b, sub := listen(t, "payout.decided")
	down := newCountingQueue(t)
	down.Queue.Close()
	r := newRelay(t, d, down, b, outbox.Options{EventJobs: map[string][]string{"payout.decided": {"notify.payout.decided"}}})
	mustAdd(t, d, outbox.Event, "payout.decided", "p", 1)
	if n, err := r.RunOnce(context.Background()); err != nil || n != 1 {
		t.Fatalf("RunOnce with the queue down = %d, %v", n, err)
	}
	if rs := rows(t, d); rs[0].Attempts != 1 || rs[0].DeliveredAt != nil {
		t.Fatalf("row after the queue refused its job: %+v", rs[0])
	}
	select {
	case m := <-sub.C():
		t.Fatalf("the bus got %q before the job was queued", m.Payload)
	case <-time.After(200 * time.Millisecond):
	}
}
