package queuetest

import (
	"context"
	"errors"
	"testing"

	"backbone/internal/queue"
)

// testStats checks Inspector: ready jobs are counted with the age of the oldest, a peek
// at that age loses no job, and dead letters are counted.
func testStats(t *testing.T, q queue.Queue) {
	topic := Topic()
	stats := func() queue.TopicStats {
		t.Helper()
		s, err := queue.StatsOf(context.Background(), q, topic)
		if err != nil {
			t.Fatalf("Stats: %v", err)
		}
		return s
	}
	if s := stats(); s != (queue.TopicStats{}) {
		t.Fatalf("stats of a new topic = %+v, want zero", s)
	}
	MustPublish(t, q, topic, "a", []byte("a"))
	MustPublish(t, q, topic, "b", []byte("b"))
	Eventually(t, "two ready jobs", func() bool { return stats().Ready == 2 })
	if s := stats(); s.OldestAge < 0 || s.OldestAge > Patience || s.Dead != 0 {
		t.Fatalf("stats with two ready jobs = %+v", s)
	}
	rec := NewRecorder()
	StartConsumer(t, q, topic, func(_ context.Context, j queue.Job) error {
		rec.Add(j)
		return queue.Permanent(errors.New("refused"))
	}, queue.ConsumeOptions{Backoff: fast})
	Eventually(t, "both jobs dead-lettered", func() bool { s := stats(); return s.Ready == 0 && s.Dead == 2 })
	if s := stats(); s.OldestAge != 0 {
		t.Fatalf("stats with nothing ready = %+v, want no age", s)
	}
	if a, b := rec.Attempts("a"), rec.Attempts("b"); len(a) != 1 || len(b) != 1 {
		t.Fatalf("attempts a %v b %v, want one each", a, b)
	}
}
