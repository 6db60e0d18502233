package queue_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"backbone/internal/errs"
	"backbone/internal/queue"
	"backbone/internal/queue/queuetest"
	"backbone/internal/testenv"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newAMQP connects to the test broker with a random prefix and deletes its queues at the end.
func newAMQP(t *testing.T, url string, opts ...queue.AMQPOption) *queue.AMQP {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queuetest.Patience)
	defer cancel()
	opts = append([]queue.AMQPOption{
		queue.WithPrefix(testenv.RandomName("qtest")),
		queue.WithConnectTimeout(10 * time.Second),
		queue.WithReconnectBackoff(50*time.Millisecond, 500*time.Millisecond),
	}, opts...)
	q, err := queue.NewAMQP(ctx, url, discard(), opts...)
	if err != nil {
		t.Fatalf("NewAMQP: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), queuetest.Patience)
		defer cancel()
		if err := q.DeleteTopology(ctx); err != nil {
			t.Errorf("DeleteTopology: %v", err)
		}
		_ = q.Close()
	})
	return q
}

func TestAMQPContract(t *testing.T) {
	t.Parallel()
	url := testenv.NeedAMQP(t)
	queuetest.Run(t, func(t *testing.T) queue.Queue { return newAMQP(t, url) })
}

func TestNewAMQPFailsAtStart(t *testing.T) {
	t.Parallel()
	good := testenv.NeedAMQP(t)
	tests := []struct {
		name string
		url  string
		want errs.Code
	}{
		{"malformed URL fails at once", "http://127.0.0.1:5672/", errs.Internal},
		{"refused credentials fail at once", withPassword(t, good, "wrong-password"), errs.Internal},
		{"unreachable broker is unavailable after the timeout", "amqp://guest:guest@127.0.0.1:1/", errs.Unavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The "at once" cases would end with UNAVAILABLE if they were retried until
			// the timeout. (RabbitMQ answers refused credentials after about 3 s.)
			timeout := 10 * time.Second
			if tt.want == errs.Unavailable {
				timeout = 300 * time.Millisecond
			}
			q, err := queue.NewAMQP(context.Background(), tt.url, discard(),
				queue.WithConnectTimeout(timeout), queue.WithReconnectBackoff(50*time.Millisecond, 100*time.Millisecond))
			if err == nil {
				_ = q.Close()
				t.Fatal("NewAMQP succeeded, want an error")
			}
			if got := errs.CodeOf(err); got != tt.want {
				t.Fatalf("code = %s, want %s (%v)", got, tt.want, err)
			}
		})
	}
}

func TestAMQPPingWhenConnected(t *testing.T) {
	t.Parallel()
	q := newAMQP(t, testenv.NeedAMQP(t))
	if err := q.Ping(context.Background()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
}

// publishNoHang publishes with a generous deadline and fails if Publish only returned
// because the deadline passed.
func publishNoHang(t *testing.T, q queue.Queue, topic, id string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), queuetest.Patience)
	defer cancel()
	err := q.Publish(ctx, topic, id, nil)
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Publish hung until its deadline: %v", err)
	}
	return err
}

func withPassword(t *testing.T, rawURL, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}
