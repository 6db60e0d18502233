package outbox_test

import (
	"context"
	"testing"
	"time"

	"backbone/internal/outbox"
)

func TestBacklogCountsUndeliveredRowsAndTheirLag(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t), true)
			ctx := context.Background()
			if b, err := outbox.ReadBacklog(ctx, d.Client); err != nil || b != (outbox.Backlog{}) {
				t.Fatalf("empty outbox backlog = %+v, %v; want none", b, err)
			}
			before := time.Now()
			mustAdd(t, d, outbox.Job, "t", "first", 2)
			mustAdd(t, d, outbox.Job, "t", "second", 1)
			b, err := outbox.ReadBacklog(ctx, d.Client)
			if err != nil || b.Pending != 3 {
				t.Fatalf("backlog = %+v, %v; want 3 pending", b, err)
			}
			if b.Oldest.Before(before.Add(-time.Second)) || b.Oldest.After(time.Now()) {
				t.Fatalf("oldest = %v, want a time since %v", b.Oldest, before)
			}
			if lag := b.Lag(b.Oldest.Add(time.Minute)); lag != time.Minute {
				t.Fatalf("lag a minute after the oldest = %v", lag)
			}
			r := newRelay(t, d, newCountingQueue(t), nil, outbox.Options{})
			if n, err := r.RunOnce(ctx); err != nil || n != 3 {
				t.Fatalf("RunOnce = %d, %v", n, err)
			}
			if b, err := outbox.ReadBacklog(ctx, d.Client); err != nil || b != (outbox.Backlog{}) || b.Lag(time.Now()) != 0 {
				t.Fatalf("backlog after the relay = %+v, %v; want none", b, err)
			}
		})
	}
}
