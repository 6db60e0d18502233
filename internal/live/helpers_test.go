package live_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/ent/question"
	"backbone/ent/user"
	"backbone/internal/bus"
	"backbone/internal/dbtest"
	"backbone/internal/live"
	"backbone/internal/payment"
	"backbone/internal/questions"
	"backbone/internal/settings"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

// wait bounds every wait for something that must happen.
const wait = 10 * time.Second

// spyBus is a real bus that remembers every subscription made through it.
type spyBus struct {
	bus.Bus
	mu   sync.Mutex
	subs map[string][]*bus.Subscription
}

func newSpyBus(b bus.Bus) *spyBus { return &spyBus{Bus: b, subs: map[string][]*bus.Subscription{}} }

func (b *spyBus) Subscribe(ctx context.Context, topic string) (*bus.Subscription, error) {
	s, err := b.Bus.Subscribe(ctx, topic)
	if err == nil {
		b.mu.Lock()
		b.subs[topic] = append(b.subs[topic], s)
		b.mu.Unlock()
	}
	return s, err
}

// subscriptions lists the subscriptions made to topic so far, oldest first.
func (b *spyBus) subscriptions(topic string) []*bus.Subscription {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*bus.Subscription(nil), b.subs[topic]...)
}

// awaitEnded waits until s is closed (reading what is left in it).
func awaitEnded(t *testing.T, s *bus.Subscription) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, open := <-s.C():
			if !open {
				return
			}
		case <-timeout:
			t.Fatalf("subscription to %s still open", s.Topic())
		}
	}
}

// fast are the options of the tests: short intervals, so that waits stay short.
func fast() live.Options {
	return live.Options{MinInterval: 200 * time.Millisecond, Heartbeat: 100 * time.Millisecond,
		PresenceExpiry: 600 * time.Millisecond, ResubscribeMin: 10 * time.Millisecond,
		ResubscribeMax: 100 * time.Millisecond, StatsRefresh: time.Hour, SubscribeWait: 5 * time.Second}
}

// newLive is a live service over b (nil: a fresh memory bus) and qs, closed when the
// test ends.
func newLive(t *testing.T, b bus.Bus, qs live.Questions, o live.Options) *live.Service {
	t.Helper()
	if b == nil {
		b = memoryBus(t)
	}
	s := live.New(live.Deps{Bus: b, Questions: qs, Log: slog.New(slog.DiscardHandler)}, o)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// newRedisBus is a Redis bus on its own connection with prefix, as one server process
// has.
func newRedisBus(t *testing.T, prefix string) bus.Bus {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	b := bus.NewRedis(c, slog.New(slog.DiscardHandler), bus.WithChannelPrefix(prefix))
	t.Cleanup(func() { _ = b.Close(); _ = c.Close() })
	return b
}

func publish(t *testing.T, b bus.Bus, topic string, v any) {
	t.Helper()
	payload, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Publish(context.Background(), topic, payload); err != nil {
		t.Fatalf("publish %s: %v", topic, err)
	}
}

// next receives from ch or fails.
func next[T any](t *testing.T, ch <-chan T) T {
	t.Helper()
	select {
	case v, ok := <-ch:
		if !ok {
			t.Fatal("stream closed")
		}
		return v
	case <-time.After(wait):
		t.Fatal("nothing received")
	}
	var zero T
	return zero
}

// nothing checks that ch delivers nothing for d.
func nothing[T any](t *testing.T, ch <-chan T, d time.Duration) {
	t.Helper()
	select {
	case v, ok := <-ch:
		if ok {
			t.Fatalf("unexpected %+v", v)
		}
		t.Fatal("stream closed")
	case <-time.After(d):
	}
}

// closes checks that ch closes soon, whatever it delivers first.
func closes[T any](t *testing.T, ch <-chan T) {
	t.Helper()
	timeout := time.After(wait)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-timeout:
			t.Fatal("stream still open")
		}
	}
}

// memoryBus is an in-process bus closed when the test ends.
func memoryBus(t *testing.T) bus.Bus {
	t.Helper()
	b := bus.NewMemory()
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// world is a migrated PostgreSQL database with the question lifecycle over it.
type world struct {
	db        *ent.Client
	questions *questions.Service
	wallet    *wallet.Service
	admin     context.Context
}

func newWorld(t *testing.T) *world {
	t.Helper()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	dev, err := payment.NewDevProvider("development")
	if err != nil {
		t.Fatal(err)
	}
	w, err := wallet.NewService(wallet.Deps{Client: d.Client, Provider: dev}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	set := settings.New(settings.Deps{DB: d}, settings.Options{})
	out := &world{db: d.Client, wallet: w,
		questions: questions.New(questions.Deps{DB: d, Wallet: w, Settings: set}, questions.Options{})}
	_, out.admin = out.user(t, user.RoleADMIN)
	return out
}

// user creates a user of role; an expert is approved in Physics unless pending is set.
func (w *world) user(t *testing.T, role user.Role, pending ...bool) (uuid.UUID, context.Context) {
	t.Helper()
	c := w.db.User.Create().SetEmail(testenv.RandomName("live") + "@example.com").
		SetDisplayName("Live").SetPasswordHash("unusable").SetRole(role).
		SetEmailVerified(true) // an account that opened its verification link
	if role == user.RoleEXPERT {
		status := user.ExpertStatusAPPROVED
		if len(pending) > 0 && pending[0] {
			status = user.ExpertStatusPENDING
		}
		c.SetExpertStatus(status).SetExpertSubjects([]string{"physics"})
	}
	u, err := c.Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u.ID, viewer.With(context.Background(), viewer.Principal{UserID: u.ID, Role: string(role)})
}

// client creates a client with credits for a few questions.
func (w *world) client(t *testing.T) (uuid.UUID, context.Context) {
	t.Helper()
	id, ctx := w.user(t, user.RoleCLIENT)
	_, err := w.wallet.GrantCredits(w.admin, wallet.GrantInput{UserID: id, Amount: 1000, Reason: "test", IdempotencyKey: uuid.NewString()})
	if err != nil {
		t.Fatalf("GrantCredits: %v", err)
	}
	return id, ctx
}

// waiting submits a question of the client in ctx and routes it to the queue.
func (w *world) waiting(t *testing.T, ctx context.Context) *ent.Question {
	t.Helper()
	q, err := w.questions.Submit(ctx, questions.SubmitInput{Subject: "Physics", Title: "Why is the sky blue?",
		Body: "Explain.", Urgency: question.UrgencyNORMAL, IdempotencyKey: uuid.NewString()})
	if err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if err := w.questions.Route(context.Background(), q.ID); err != nil {
		t.Fatalf("Route: %v", err)
	}
	return q
}

// countingQuestions is the real question service, counting the stats reads.
type countingQuestions struct {
	*questions.Service
	counts atomic.Int64
}

func (c *countingQuestions) StatusCounts(ctx context.Context) (map[question.Status]int, error) {
	c.counts.Add(1)
	return c.Service.StatusCounts(ctx)
}
