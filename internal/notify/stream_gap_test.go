package notify_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/notify"
	"backbone/internal/testenv"
)

// TestStreamDeliversWhatTheBusMissedDuringAnOutage stands for two server processes on
// one database and one Redis: A makes notifications, B streams them. B alone is cut off
// Redis while A makes one; once B's bus is back, B's open streams deliver that one without
// waiting for another, then the later ones, each once and in id order.
func TestStreamDeliversWhatTheBusMissedDuringAnOutage(t *testing.T) {
	t.Parallel()
	_, d := newServiceDB(t)
	c := d.Client
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := bus.WithChannelPrefix(testenv.RandomName("notifytest:") + ":")
	direct := redis.NewClient(opt)
	t.Cleanup(func() { direct.Close() })
	relay := bustest.NewRelay(t, opt.Addr)
	cut := redis.NewClient(&redis.Options{Addr: relay.Addr(), DB: opt.DB, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { cut.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	busA, busB := bus.NewRedis(direct, log, prefix), bus.NewRedis(cut, log, prefix)
	t.Cleanup(func() { busA.Close(); busB.Close() })
	a, b := notify.New(d, busA, log), notify.New(d, busB, log)

	userID, userCtx := newUser(t, c)
	emit := func(status string) {
		t.Helper()
		err := a.Handle(context.Background(), notify.TopicQuestionUpdated,
			event(t, map[string]any{"questionId": uuid.NewString(), "status": status, "clientId": userID}))
		if err != nil {
			t.Fatal(err)
		}
	}
	start := uuid.Must(uuid.NewV7())
	emit("old")
	ctx, cancel := context.WithCancel(userCtx)
	defer cancel()
	fromCursor := openStream(t, b, ctx, start)
	fromNow := openStream(t, b, ctx, uuid.Nil)
	emit("live")
	fromCursor.expect(t, "old", "live")
	fromNow.expect(t, "live")

	relay.Down()
	bustest.AwaitDown(t, busB)
	emit("missed")
	relay.Up(t)
	fromCursor.expect(t, "missed")
	fromNow.expect(t, "missed")

	emit("after")
	fromCursor.expect(t, "after")
	fromNow.expect(t, "after")
	fromCursor.expectNothing(t)
	fromNow.expectNothing(t)
}

// TestStreamDeliversUnannouncedNotifications covers an announcement that never reached
// the bus (its publisher lost Redis after storing the notification): the next one
// announced brings it along, in id order.
func TestStreamDeliversUnannouncedNotifications(t *testing.T) {
	t.Parallel()
	s, c := newService(t)
	userID, userCtx := newUser(t, c)
	emit := func(status string) {
		t.Helper()
		err := s.Handle(context.Background(), notify.TopicQuestionUpdated,
			event(t, map[string]any{"questionId": uuid.NewString(), "status": status, "clientId": userID}))
		if err != nil {
			t.Fatal(err)
		}
	}
	emit("old")
	ctx, cancel := context.WithCancel(userCtx)
	defer cancel()
	stream := openStream(t, s, ctx, uuid.Nil)
	emit("first")
	stream.expect(t, "first")
	_, err := c.Notification.Create().SetUserID(userID).SetKind(notify.KindQuestionUpdated).
		SetPayload(map[string]any{"status": "unannounced"}).SetDedupKey(uuid.NewString()).
		Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	emit("announced")
	stream.expect(t, "unannounced", "announced")
	stream.expectNothing(t)
}

// recorder reads one notificationAdded stream and checks that ids only go up.
type recorder struct {
	ch   <-chan *ent.Notification
	last uuid.UUID
}

func openStream(t *testing.T, s *notify.Service, ctx context.Context, after uuid.UUID) *recorder {
	t.Helper()
	ch, err := s.Stream(ctx, after)
	if err != nil {
		t.Fatalf("Stream: %v", err)
	}
	return &recorder{ch: ch}
}

// expect receives the notifications of these statuses, in this order.
func (r *recorder) expect(t *testing.T, statuses ...string) {
	t.Helper()
	for _, want := range statuses {
		select {
		case n, ok := <-r.ch:
			if !ok {
				t.Fatalf("stream closed, want %q", want)
			}
			r.check(t, n)
			if got := n.Payload["status"]; got != want {
				t.Fatalf("got notification %q, want %q", got, want)
			}
		case <-time.After(bustest.Wait):
			t.Fatalf("no notification within %s, want %q", bustest.Wait, want)
		}
	}
}

// expectNothing fails if the stream sends anything more within a short while.
func (r *recorder) expectNothing(t *testing.T) {
	t.Helper()
	select {
	case n := <-r.ch:
		t.Fatalf("unexpected notification %q (%s)", n.Payload["status"], n.ID)
	case <-time.After(300 * time.Millisecond):
	}
}

func (r *recorder) check(t *testing.T, n *ent.Notification) {
	t.Helper()
	if r.last != uuid.Nil && bytes.Compare(n.ID[:], r.last[:]) <= 0 {
		t.Fatalf("notification %s (%q) after %s: repeated or out of order", n.ID, n.Payload["status"], r.last)
	}
	r.last = n.ID
}
