package questions_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/bus"
	"backbone/internal/memo"
	"backbone/internal/memo/memotest"
	"backbone/internal/outbox"
	"backbone/internal/questions"
	"backbone/internal/queue"
)

// TestExpertStatsAreCachedUntilTheExpertsQuestionChanges: the figures are served from
// the cache, even after a change, until the outbox relays the change's question.updated
// event; then the expert's figures are computed again and another expert's are not.
func TestExpertStatsAreCachedUntilTheExpertsQuestionChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := bus.NewMemory()
	t.Cleanup(func() { b.Close() })
	reg := prometheus.NewRegistry()
	stats := memo.New(memo.Config{Name: "expert_stats", Bus: b, Metrics: memo.NewMetrics(reg)})
	t.Cleanup(func() { stats.Close() })
	cached := questions.New(questions.Deps{DB: e.db, Wallet: e.wallet, Settings: e.settings, Stats: stats}, questions.Options{Now: e.clock.Now})
	relay := outbox.NewRelay(outbox.Deps{DB: e.db, Queue: queue.NewMemory(slog.New(slog.DiscardHandler)), Bus: b}, outbox.Options{})
	relayAll := func() {
		t.Helper()
		for {
			n, err := relay.RunOnce(context.Background())
			if err != nil {
				t.Fatalf("relay: %v", err)
			}
			if n == 0 {
				return
			}
		}
	}
	read := func(id uuid.UUID) questions.ExpertStats {
		t.Helper()
		s, err := cached.ExpertStats(e.admin, &id, nil, nil)
		if err != nil {
			t.Fatalf("ExpertStats: %v", err)
		}
		return s
	}
	misses := func() int {
		return memotest.Counter(reg, "memo_misses_total", map[string]string{"cache": "expert_stats"})
	}

	_, clientCtx := e.client(t, 100)
	expertID, expertCtx := e.expert(t)
	otherID, otherCtx := e.expert(t)
	q := e.delivered(t, clientCtx, expertCtx)
	e.delivered(t, clientCtx, otherCtx)
	relayAll()
	e.clock.advance(time.Minute) // the period ends now, after the deliveries

	if s := read(expertID); s.Delivered != 1 || s.Accepted != 0 {
		t.Fatalf("before acceptance: %+v", s)
	}
	read(otherID)
	if _, err := e.svc.Accept(clientCtx, q.ID, 5, "Thanks"); err != nil {
		t.Fatalf("Accept: %v", err)
	}
	e.clock.advance(time.Minute)
	if s := read(expertID); s.Accepted != 0 || misses() != 2 {
		t.Fatalf("before the event is relayed: accepted %d after %d loads; want the cached 0 after 2", s.Accepted, misses())
	}
	relayAll()
	memotest.Eventually(t, "the acceptance reaches the figures", func() bool {
		s := read(expertID)
		return s.Accepted == 1 && s.RatingCount == 1 && s.Earnings == 16
	})
	before := misses()
	read(otherID)
	if misses() != before {
		t.Fatal("another expert's figures were computed again")
	}
	from := e.clock.Now().Add(-time.Hour)
	id := expertID
	if s, err := cached.ExpertStats(e.admin, &id, &from, nil); err != nil || s.From == nil || !s.From.Equal(from) || misses() != before+1 {
		t.Fatalf("another period: %+v, %v after %d loads; want its own figures", s, err, misses()-before)
	}
}
