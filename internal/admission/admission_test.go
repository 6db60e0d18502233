package admission_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/admission"
)

// patience is how long the tests wait for something that must happen; it bounds a
// failing test, never a passing one.
const patience = 10 * time.Second

func TestNoLimitAdmitsEverything(t *testing.T) {
	g := admission.New(0, time.Second, prometheus.NewRegistry())
	if g != nil {
		t.Fatal("New(0) is a gate; want nil (no limit)")
	}
	for range 100 {
		if _, err := g.Enter(context.Background()); err != nil {
			t.Fatalf("nil gate: %v", err)
		}
	}
}

// Waiters get their turns in the order they arrived, and a newcomer does not overtake
// them even when a turn is free at the moment it arrives. In a synctest bubble, so that
// each waiter is queued in the semaphore (durably blocked) before the next one starts:
// the waiting gauge rises a moment before that, which a busy machine could stretch.
func TestTurnsGoInArrivalOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		reg := prometheus.NewRegistry()
		g := admission.New(1, patience, reg)
		first, err := g.Enter(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		admitted := make(chan int, 3)
		leaves := make(chan func(), 3)
		for i := range 3 {
			go func() {
				leave, err := g.Enter(context.Background())
				if err != nil {
					t.Errorf("waiter %d: %v", i, err)
					return
				}
				admitted <- i
				leaves <- leave
			}()
			synctest.Wait()
			if got := value(t, reg, "graphql_queries_waiting"); got != float64(i+1) {
				t.Fatalf("%v waiting once waiter %d queued, want %d", got, i, i+1)
			}
		}
		first()
		for want := range 3 {
			synctest.Wait()
			select {
			case got := <-admitted:
				if got != want {
					t.Fatalf("waiter %d admitted, want %d", got, want)
				}
			default:
				t.Fatalf("waiter %d not admitted when the turn before it was given back", want)
			}
			select {
			case <-admitted:
				t.Fatal("two waiters hold the one turn")
			default:
			}
			(<-leaves)()
		}
		leave, err := g.Enter(context.Background())
		if err != nil {
			t.Fatalf("after every turn was given back: %v", err)
		}
		leave()
	})
}

func TestAWaiterWithoutATurnIsRefusedBusy(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := admission.New(1, 20*time.Millisecond, reg)
	held, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer held()
	if _, err := g.Enter(context.Background()); !errors.Is(err, admission.ErrBusy) {
		t.Fatalf("Enter with the only turn held = %v, want ErrBusy", err)
	}
	if got := value(t, reg, "graphql_queries_refused_busy_total"); got != 1 {
		t.Errorf("refused_busy_total = %v, want 1", got)
	}
	if got := value(t, reg, "graphql_queries_waiting"); got != 0 {
		t.Errorf("waiting = %v after the refusal, want 0", got)
	}
}

func TestAWaiterWhoseRequestEndsGetsItsError(t *testing.T) {
	reg := prometheus.NewRegistry()
	g := admission.New(1, patience, reg)
	held, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := g.Enter(ctx)
		done <- err
	}()
	waitFor(t, func() bool { return value(t, reg, "graphql_queries_waiting") == 1 }, "waiter queued")
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Enter after its context ended = %v, want context.Canceled", err)
	}
	// The turn it did not get is still there for the next one.
	held()
	leave, err := g.Enter(context.Background())
	if err != nil {
		t.Fatalf("Enter after the holder left = %v", err)
	}
	leave()
	if got := value(t, reg, "graphql_queries_refused_busy_total"); got != 0 {
		t.Errorf("refused_busy_total = %v, want 0: a client that left was not refused", got)
	}
}

// value reads the metric called name from reg.
func value(t *testing.T, reg *prometheus.Registry, name string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			m := mf.GetMetric()[0]
			return m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
	}
	t.Fatalf("no %s in the registry", name)
	return 0
}

func waitFor(t *testing.T, cond func() bool, what string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until "+what, args...)
		}
		time.Sleep(time.Millisecond)
	}
}
