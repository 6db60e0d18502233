package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
)

// shutdownLog records the steps of a shutdown in the order they happen.
type shutdownLog struct {
	mu    sync.Mutex
	steps []string
}

func (l *shutdownLog) add(step string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.steps = append(l.steps, step)
}

func (l *shutdownLog) get() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.steps)
}

// fakeWorkers stands for workers.Runner.Run: it logs when it is stopped, finishes its
// work in flight when finish is closed, and logs when it is abandoned.
func fakeWorkers(log *shutdownLog, finish <-chan struct{}) func(stop, abandon context.Context) error {
	return func(stop, abandon context.Context) error {
		<-stop.Done()
		log.add("workers stopped")
		select {
		case <-finish:
			log.add("workers drained")
		case <-abandon.Done():
			log.add("workers abandoned")
		}
		return nil
	}
}

func TestShutdownStopsTheWorkersOnlyAfterTheHTTPDrain(t *testing.T) {
	t.Parallel()
	log := &shutdownLog{}
	finish := make(chan struct{})
	w := startWorkers(context.Background(), fakeWorkers(log, finish))
	drain := func(context.Context) error {
		log.add("http draining")
		// The workers still take jobs while requests finish: they may enqueue some.
		if slices.Contains(log.get(), "workers stopped") {
			t.Error("the workers were stopped before the HTTP drain ended")
		}
		log.add("http drained")
		close(finish) // the workers' job in flight ends
		return nil
	}
	if err := shutdownInOrder(context.Background(), drain, w); err != nil {
		t.Fatal(err)
	}
	want := []string{"http draining", "http drained", "workers stopped", "workers drained"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
}

func TestShutdownAbandonsTheWorkersAtTheDeadline(t *testing.T) {
	t.Parallel()
	log := &shutdownLog{}
	w := startWorkers(context.Background(), fakeWorkers(log, nil)) // their work never ends by itself
	deadline, reached := context.WithCancel(context.Background())
	drainErr := errors.New("http shutdown: deadline")
	drain := func(ctx context.Context) error {
		log.add("http drained")
		reached() // the deadline passes while the workers drain
		return drainErr
	}
	if err := shutdownInOrder(deadline, drain, w); err != drainErr {
		t.Fatalf("err %v, want the drain's", err)
	}
	want := []string{"http drained", "workers stopped", "workers abandoned"}
	if got := log.get(); !slices.Equal(got, want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
}
