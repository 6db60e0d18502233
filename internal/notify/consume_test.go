package notify_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/notify"
	"backbone/internal/queue"
	"backbone/internal/testenv"
)

// queues are the job queues the consumer runs on: in process, and RabbitMQ (queues of a
// random prefix, deleted at the end).
var queues = []struct {
	name string
	open func(t *testing.T) queue.Queue
}{
	{"memory", func(t *testing.T) queue.Queue {
		q := queue.NewMemory(slog.New(slog.DiscardHandler))
		t.Cleanup(func() { q.Close() })
		return q
	}},
	{"rabbitmq", func(t *testing.T) queue.Queue {
		url := testenv.NeedAMQP(t)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		q, err := queue.NewAMQP(ctx, url, slog.New(slog.DiscardHandler), queue.WithPrefix(testenv.RandomName("ntest")))
		if err != nil {
			t.Fatalf("NewAMQP: %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := q.DeleteTopology(ctx); err != nil {
				t.Errorf("DeleteTopology: %v", err)
			}
			_ = q.Close()
		})
		return q
	}},
}

// TestJobsRedeliveredMakeOneNotification consumes the jobs of the event topics: an event
// delivered twice under one id (a relay retry, a crash before the ack) makes one
// notification, and a job whose payload is not an event is dead-lettered at once instead
// of retried.
func TestJobsRedeliveredMakeOneNotification(t *testing.T) {
	t.Parallel()
	for _, qk := range queues {
		t.Run(qk.name, func(t *testing.T) {
			t.Parallel()
			testJobsRedelivered(t, qk.open(t))
		})
	}
}

func testJobsRedelivered(t *testing.T, q queue.Queue) {
	s, c := newService(t)
	client, clientCtx := newUser(t, c)
	expert, expertCtx := newUser(t, c, "law")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, len(notify.Topics))
	for _, topic := range notify.Topics {
		go func() {
			defer func() { done <- struct{}{} }()
			_ = q.Consume(ctx, notify.JobTopic(topic), s.HandleJob, queue.ConsumeOptions{MaxAttempts: 3})
		}()
	}
	t.Cleanup(func() {
		cancel()
		for range notify.Topics {
			<-done
		}
	})

	publish := func(topic, id string, payload []byte) {
		t.Helper()
		if err := q.Publish(context.Background(), notify.JobTopic(topic), id, payload); err != nil {
			t.Fatal(err)
		}
	}
	updated := event(t, map[string]any{"questionId": uuid.NewString(), "status": "CANCELLED", "clientId": client})
	payout := event(t, map[string]any{"payoutId": uuid.NewString(), "expertId": expert, "status": "PAID", "amount": 7})
	rowA, rowB := uuid.NewString(), uuid.NewString()
	for range 2 {
		publish(notify.TopicQuestionUpdated, rowA, updated)
		publish(notify.TopicPayoutDecided, rowB, payout)
	}
	publish(notify.TopicAnswerDelivered, uuid.NewString(), []byte("not json"))
	// One handler per topic takes jobs in order: once these are handled, so are the
	// redeliveries before them.
	publish(notify.TopicQuestionUpdated, uuid.NewString(), event(t, map[string]any{"questionId": uuid.NewString(), "status": "CLAIMED", "clientId": client}))
	publish(notify.TopicPayoutDecided, uuid.NewString(), event(t, map[string]any{"payoutId": uuid.NewString(), "expertId": expert, "status": "REJECTED", "amount": 8}))

	waitUntil(t, "the dead letter", func() bool {
		dead, err := q.DeadLetters(context.Background(), notify.JobTopic(notify.TopicAnswerDelivered))
		return err == nil && len(dead) == 1 && dead[0].Job.Attempt == 1
	})
	waitUntil(t, "the last events", func() bool {
		return notified(t, s, clientCtx, "CLAIMED") && notified(t, s, expertCtx, "REJECTED")
	})
	if got := count(t, s, clientCtx); got != 2 {
		t.Errorf("client: %d notifications of two events, one delivered twice; want 2", got)
	}
	if got := count(t, s, expertCtx); got != 2 {
		t.Errorf("expert: %d notifications of two events, one delivered twice; want 2", got)
	}
}

// notified reports whether the viewer has a notification with status.
func notified(t *testing.T, s *notify.Service, ctx context.Context, status string) bool {
	t.Helper()
	q, err := s.List(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	ns, err := q.All(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Payload["status"] == status {
			return true
		}
	}
	return false
}

// waitUntil polls cond until it holds or 10 s pass.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
