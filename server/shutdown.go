package main

import (
	"context"
)

// Shutdown order. Once asked to stop, serve drains the HTTP server first: requests in
// flight finish, and may still enqueue jobs. Only then do the workers stop taking jobs,
// and they finish those in flight. Both happen within one deadline, SHUTDOWN_TIMEOUT:
// when it passes, the workers' work in flight is cancelled and they return.

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
// ends: that work is then cancelled, and the workers return at once.
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
