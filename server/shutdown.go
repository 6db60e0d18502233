package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
)

// Shutdown order. Once asked to stop, serve answers /readyz with 503 for
// SHUTDOWN_DRAIN_DELAY while still serving, then drains the HTTP server first: requests in
// flight finish, and may still enqueue jobs. Only then do the workers stop taking jobs,
// and they finish those in flight. Both happen within one deadline, SHUTDOWN_TIMEOUT:
// when it passes, the workers' work in flight is cancelled and they return. Work that
// ignores its cancellation (a database driver blocked on a server that never answers) is
// waited for abandonGrace more, then left behind: the process exits without it
// (tasks.waitWithin). A second SIGINT or SIGTERM exits at once (main).

// abandonGrace is how long a shutdown waits, past its deadline, for the work it cancelled.
const abandonGrace = 5 * time.Second

// stoppableWorkers runs the workers on contexts of their own, so that they outlive the
// cancellation that starts the shutdown.
type stoppableWorkers struct {
	stop, abandon context.CancelFunc
	done          chan struct{} // closed when run has returned
	err           error         // run's, once done is closed
}

// startWorkers runs run (workers.Runner.Run) until stopWithin. ctx gives its values only.
func startWorkers(ctx context.Context, run func(stop, abandon context.Context) error) *stoppableWorkers {
	base := context.WithoutCancel(ctx)
	stop, stopFn := context.WithCancel(base)
	abandon, abandonFn := context.WithCancel(base)
	w := &stoppableWorkers{stop: stopFn, abandon: abandonFn, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		w.err = run(stop, abandon)
	}()
	return w
}

// failure waits until ctx ends or the workers return by themselves, which they do only
// when failing: it returns their error then, so that an errgroup stops the process.
func (w *stoppableWorkers) failure(ctx context.Context) error {
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return nil
	}
}

// stopWithin stops the workers taking work and waits for the work in flight, until ctx
// ends: that work is then cancelled, and the workers return at once (workers.Runner.Run
// does; tasks.waitWithin bounds the wait for a run that would not).
func (w *stoppableWorkers) stopWithin(ctx context.Context) error {
	w.stop()
	select {
	case <-w.done:
	case <-ctx.Done():
		w.abandon()
		<-w.done
	}
	w.abandon()
	return w.err
}

// shutdownInOrder drains the HTTP server, then stops the workers (nil: none run here),
// within ctx's deadline. It returns the drain's error, else the workers'.
func shutdownInOrder(ctx context.Context, drainHTTP func(context.Context) error, w *stoppableWorkers) error {
	err := drainHTTP(ctx)
	if w == nil {
		return err
	}
	if werr := w.stopWithin(ctx); err == nil {
		err = werr
	}
	return err
}

// tasks is an errgroup whose goroutines have names, so that a shutdown that leaves some
// behind can say which.
type tasks struct {
	g       *errgroup.Group
	mu      sync.Mutex
	running map[string]int
}

// newTasks returns tasks and the context that is cancelled when one of them fails or
// ctx ends (errgroup.WithContext).
func newTasks(ctx context.Context) (*tasks, context.Context) {
	g, gctx := errgroup.WithContext(ctx)
	return &tasks{g: g, running: map[string]int{}}, gctx
}

// Go runs f as the task name.
func (t *tasks) Go(name string, f func() error) {
	t.mu.Lock()
	t.running[name]++
	t.mu.Unlock()
	t.g.Go(func() error {
		defer func() {
			t.mu.Lock()
			defer t.mu.Unlock()
			if t.running[name]--; t.running[name] == 0 {
				delete(t.running, name)
			}
		}()
		return f()
	})
}

// waitWithin returns the first task error once every task has returned. Once stopping
// ends (the shutdown starts), it waits at most limit: the tasks still running then
// ignore their cancellation, and it returns an error naming them, which they are left
// behind with.
func (t *tasks) waitWithin(stopping context.Context, limit time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- t.g.Wait() }()
	select {
	case err := <-done:
		return err
	case <-stopping.Done():
	}
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return fmt.Errorf("shutdown: abandoned %s, still running %s after the shutdown started "+
			"(blocked on work that ignores its cancellation, such as a database that never answers)",
			strings.Join(t.names(), ", "), limit)
	}
}

// names lists the tasks still running, sorted.
func (t *tasks) names() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var names []string
	for name := range t.running {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// sleepCtx waits d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
