package live_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/testenv"
)

// A question's followers are told to read it again when their instance's bus was cut
// off Redis: a change published meanwhile is lost on the bus, not for them.
func TestQuestionFollowersReadAgainAfterABusGap(t *testing.T) {
	t.Parallel()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	prefix := testenv.RandomName("livegap:") + ":"
	publisher := newRedisBus(t, prefix)
	relay := bustest.NewRelay(t, opt.Addr)
	cut := redis.NewClient(&redis.Options{Addr: relay.Addr(), DB: opt.DB, DialTimeout: time.Second, MaxRetries: -1})
	b := bus.NewRedis(cut, slog.New(slog.DiscardHandler), bus.WithChannelPrefix(prefix))
	t.Cleanup(func() { _ = b.Close(); _ = cut.Close() })
	s := newLive(t, b, nil, fast())

	id := uuid.New()
	ch, err := s.QuestionUpdates(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	relay.Down()
	deadline := time.Now().Add(bustest.Wait)
	for !errs.Is(b.Ping(context.Background()), errs.Unavailable) {
		if time.Now().After(deadline) {
			t.Fatal("the bus did not notice that Redis is gone")
		}
		time.Sleep(20 * time.Millisecond)
	}
	publish(t, publisher, events.TopicQuestionUpdated, events.QuestionUpdated{QuestionID: id, Status: "CANCELLED", At: time.Now()})
	relay.Up(t)
	select {
	case e := <-ch:
		if e.QuestionID != id {
			t.Fatalf("event for %s, want %s", e.QuestionID, id)
		}
	case <-time.After(2 * bustest.Wait): // a hang guard
		t.Fatal("no event after the bus came back: the lost change is never read")
	}
}
