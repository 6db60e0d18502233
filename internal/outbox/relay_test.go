package outbox_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/outbox"
	"backbone/internal/queue"
)

func TestRolledBackMessagesAreNeverPublished(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t), true)
			q := newCountingQueue(t)
			r := newRelay(t, d, q, nil, outbox.Options{})
			err := db.InTx(context.Background(), d.Client, func(tx *ent.Client) error {
				for i := range 3 {
					if err := outbox.Add(context.Background(), tx, outbox.Message{Kind: outbox.Job, Topic: "t", Key: fmt.Sprint(i)}); err != nil {
						return err
					}
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatalf("InTx = %v", err)
			}
			if n, err := r.RunOnce(context.Background()); err != nil || n != 0 {
				t.Fatalf("RunOnce after a rollback = %d, %v; want nothing claimed", n, err)
			}
			mustAdd(t, d, outbox.Job, "t", "committed", 1)
			if n, err := r.RunOnce(context.Background()); err != nil || n != 1 {
				t.Fatalf("RunOnce after a commit = %d, %v; want 1", n, err)
			}
			if got := q.counts(); len(got) != 1 || len(rows(t, d)) != 1 {
				t.Fatalf("published %v; want only the committed message", got)
			}
		})
	}
}

// TestConcurrentRelaysPublishEachMessageOnce runs two relays, each with its own
// connection pool as two processes would, over one database.
func TestConcurrentRelaysPublishEachMessageOnce(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			url := dl.url(t)
			writer := mustDB(t, url, true)
			q := newCountingQueue(t)
			b := bus.NewMemory(bus.WithBuffer(1000))
			t.Cleanup(func() { b.Close() })
			sub, err := b.Subscribe(context.Background(), "events")
			if err != nil {
				t.Fatal(err)
			}
			events := map[string]int{}
			var mu sync.Mutex
			go func() {
				for m := range sub.C() {
					mu.Lock()
					events[string(m.Payload)]++
					mu.Unlock()
				}
			}()

			var relays []*outbox.Relay
			for range 2 {
				r := newRelay(t, mustDB(t, url, false), q, b, outbox.Options{Batch: 7, Poll: 5 * time.Millisecond})
				relays = append(relays, r)
				run(t, r)
			}
			const txs, jobs, evs = 20, 10, 3
			for i := range txs {
				mustAdd(t, writer, outbox.Job, "jobs", fmt.Sprintf("j%d", i), jobs)
				mustAdd(t, writer, outbox.Event, "events", fmt.Sprintf("e%d", i), evs)
			}
			eventually(t, "every message is delivered", func() bool { return pending(t, relays[0]) == 0 })
			for _, r := range rows(t, writer) {
				if r.Kind == "JOB" && q.counts()[r.ID.String()] != 1 {
					t.Errorf("job %s (%s) published %d times", r.ID, r.Key, q.counts()[r.ID.String()])
				}
			}
			if n := len(q.counts()); n != txs*jobs {
				t.Errorf("%d jobs published, want %d", n, txs*jobs)
			}
			eventually(t, "every event arrives", func() bool { mu.Lock(); defer mu.Unlock(); return len(events) == txs*evs })
			mu.Lock()
			defer mu.Unlock()
			for k, n := range events {
				if n != 1 {
					t.Errorf("event %s published %d times", k, n)
				}
			}
		})
	}
}

func TestJobsCarryTheRowIDAndPayload(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[0].url(t), true)
	mem := queue.NewMemory(quiet())
	t.Cleanup(func() { mem.Close() })
	mustAdd(t, d, outbox.Job, "pipeline.test", "q1", 1)
	if _, err := newRelay(t, d, mem, nil, outbox.Options{}).RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := make(chan queue.Job, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = mem.Consume(ctx, "pipeline.test", func(_ context.Context, j queue.Job) error { got <- j; return nil }, queue.ConsumeOptions{})
	}()
	select {
	case j := <-got:
		row := rows(t, d)[0]
		if j.ID != row.ID.String() || string(j.Payload) != "q1-0" || row.DeliveredAt == nil {
			t.Fatalf("job %+v from row %+v", j, row)
		}
		if _, err := uuid.Parse(j.ID); err != nil {
			t.Fatalf("job id %q is not the row's uuid", j.ID)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the job never reached the consumer")
	}
}

func TestFailedPublishIsRetriedAfterBackoff(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t), true)
			down := newCountingQueue(t)
			down.Queue.Close() // the broker is unreachable: Publish fails with UNAVAILABLE
			failing := newRelay(t, d, down, nil, outbox.Options{Backoff: func(int) time.Duration { return time.Hour }})
			mustAdd(t, d, outbox.Job, "t", "retry", 2)
			if n, err := failing.RunOnce(context.Background()); err != nil || n != 2 {
				t.Fatalf("RunOnce with the broker down = %d, %v", n, err)
			}
			for _, r := range rows(t, d) {
				if r.Attempts != 1 || r.LastError == "" || r.DeliveredAt != nil || r.ClaimedUntil != nil {
					t.Fatalf("row after a failed publish: %+v", r)
				}
			}
			up := newCountingQueue(t)
			healthy := newRelay(t, d, up, nil, outbox.Options{})
			if n, _ := healthy.RunOnce(context.Background()); n != 0 {
				t.Fatalf("%d rows claimed before their backoff ended", n)
			}
			// The backoff ends.
			if err := d.Client.OutboxMessage.Update().SetAvailableAt(time.Now().UTC().Add(-time.Second)).Exec(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n, err := healthy.RunOnce(context.Background()); err != nil || n != 2 {
				t.Fatalf("RunOnce after the backoff = %d, %v", n, err)
			}
			if got := up.counts(); len(got) != 2 || pending(t, healthy) != 0 {
				t.Fatalf("published %v after the retry", got)
			}
		})
	}
}

// TestCrashedRelayLosesNothing stops a relay after it claimed rows and published some,
// before it recorded anything (its database is gone, as when the process dies): once its
// lease ends, another relay publishes every row.
func TestCrashedRelayLosesNothing(t *testing.T) {
	t.Parallel()
	url := dialects[0].url(t)
	d := mustDB(t, url, true)
	mustAdd(t, d, outbox.Job, "t", "crash", 5)

	crashDB := mustDB(t, url, false)
	crashing := newCountingQueue(t)
	calls := 0
	crashing.before = func(string) error {
		if calls++; calls == 3 {
			crashDB.Close() // dies after publishing two of its five rows
			return errors.New("process died")
		}
		return nil
	}
	lease := 3 * time.Second
	if _, err := newRelay(t, crashDB, crashing, nil, outbox.Options{Lease: lease}).RunOnce(context.Background()); err == nil {
		t.Fatal("the crashed relay recorded its outcome; the test did not crash it")
	}
	for _, r := range rows(t, d) {
		if r.DeliveredAt != nil || r.ClaimedUntil == nil {
			t.Fatalf("after the crash, row %s is delivered or unclaimed: %+v", r.Key, r)
		}
	}

	q := newCountingQueue(t)
	survivor := newRelay(t, d, q, nil, outbox.Options{})
	if n, _ := survivor.RunOnce(context.Background()); n != 0 {
		t.Fatalf("%d rows taken while the crashed relay's lease still held", n)
	}
	eventually(t, "the survivor delivers every row", func() bool {
		_, err := survivor.RunOnce(context.Background())
		return err == nil && pending(t, survivor) == 0
	})
	for _, r := range rows(t, d) {
		if q.counts()[r.ID.String()] != 1 {
			t.Errorf("row %s published %d times by the survivor", r.Key, q.counts()[r.ID.String()])
		}
	}
}

// TestRunWakesOnAdd gives the relay a poll interval of an hour: only the wake from Add
// can get the message published.
func TestRunWakesOnAdd(t *testing.T) {
	t.Parallel()
	for _, dl := range dialects {
		t.Run(dl.name, func(t *testing.T) {
			t.Parallel()
			d := mustDB(t, dl.url(t), true)
			q := newCountingQueue(t)
			r := newRelay(t, d, q, nil, outbox.Options{Poll: time.Hour})
			run(t, r)
			time.Sleep(50 * time.Millisecond) // past the relay's first look
			mustAdd(t, d, outbox.Job, "t", "wake", 1)
			eventually(t, "the woken relay publishes", func() bool { return len(q.counts()) == 1 })
		})
	}
}

func TestPruneDeletesOnlyOldDeliveredRows(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[1].url(t), true)
	r := newRelay(t, d, newCountingQueue(t), nil, outbox.Options{Retention: time.Millisecond})
	mustAdd(t, d, outbox.Job, "t", "old", 3)
	if _, err := r.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	mustAdd(t, d, outbox.Job, "t", "undelivered", 1)
	time.Sleep(5 * time.Millisecond)
	if n, err := r.Prune(context.Background()); err != nil || n != 3 {
		t.Fatalf("Prune = %d, %v; want the 3 delivered rows", n, err)
	}
	if rs := rows(t, d); len(rs) != 1 || rs[0].DeliveredAt != nil {
		t.Fatalf("rows left after pruning: %+v", rs)
	}
}

func TestAddRefusesMalformedMessages(t *testing.T) {
	t.Parallel()
	d := mustDB(t, dialects[1].url(t), true)
	for name, m := range map[string]outbox.Message{
		"no kind":    {Topic: "t"},
		"no topic":   {Kind: outbox.Job},
		"long key":   {Kind: outbox.Event, Topic: "t", Key: string(make([]byte, 201))},
		"bad kind":   {Kind: "LETTER", Topic: "t"},
		"long topic": {Kind: outbox.Job, Topic: string(make([]byte, 201))},
	} {
		if err := outbox.Add(context.Background(), d.Client, m); err == nil {
			t.Errorf("%s: Add accepted %+v", name, m)
		}
	}
	if n := len(rows(t, d)); n != 0 {
		t.Fatalf("%d rows written", n)
	}
}
