package live_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"backbone/ent/user"
	"backbone/internal/bus"
	"backbone/internal/bus/bustest"
	"backbone/internal/events"
	"backbone/internal/live"
	"backbone/internal/testenv"
)

// A question's followers are told to read it again when their instance's bus was cut
// off Redis: a change published meanwhile is lost on the bus, not for them.
func TestQuestionFollowersReadAgainAfterABusGap(t *testing.T) {
	t.Parallel()
	prefix := testenv.RandomName("livegap:") + ":"
	publisher := newRedisBus(t, prefix)
	b, relay := cutBus(t, prefix)
	s := newLive(t, b, nil, fast())

	id := uuid.New()
	ch, err := s.QuestionUpdates(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	relay.Down()
	bustest.AwaitDown(t, b)
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

// The experts' queue catches up after its instance's bus was cut off Redis: what entered
// or left the queue meanwhile is read from the database and sent once, oldest first.
func TestTaskQueueCatchesUpAfterABusGap(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	_, cctx := w.client(t)
	_, xctx := w.user(t, user.RoleEXPERT)
	before := w.waiting(t, cctx)

	b, relay := cutBus(t, testenv.RandomName("livegap:")+":")
	s := newLive(t, b, w.questions, fast())
	ch, err := s.TaskQueue(context.Background(), []string{"Physics"})
	if err != nil {
		t.Fatal(err)
	}
	relay.Down()
	bustest.AwaitDown(t, b)
	// Nothing relays the outbox to the bus here: every change below is lost on it.
	entered := w.waiting(t, cctx)
	if _, err := w.questions.Claim(xctx, before.ID); err != nil {
		t.Fatal(err)
	}
	relay.Up(t)

	if e := next(t, ch); e.Change != live.TaskAdded || e.QuestionID != entered.ID || e.Title == nil || *e.Title != entered.Title {
		t.Fatalf("first event after the gap = %+v, want %s ADDED with its title", e, entered.ID)
	}
	if e := next(t, ch); e.Change != live.TaskRemoved || e.QuestionID != before.ID {
		t.Fatalf("second event after the gap = %+v, want %s REMOVED", e, before.ID)
	}
	nothing(t, ch, 500*time.Millisecond) // the second topic's gap reads the same changes: not sent again
}

// cutBus is a Redis bus behind a relay the test can take down and bring back.
func cutBus(t *testing.T, prefix string) (bus.Bus, *bustest.Relay) {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	relay := bustest.NewRelay(t, opt.Addr)
	cut := redis.NewClient(&redis.Options{Addr: relay.Addr(), DB: opt.DB, DialTimeout: time.Second, MaxRetries: -1})
	b := bus.NewRedis(cut, slog.New(slog.DiscardHandler), bus.WithChannelPrefix(prefix))
	t.Cleanup(func() { _ = b.Close(); _ = cut.Close() })
	return b, relay
}
