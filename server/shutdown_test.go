package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"backbone/internal/testenv"
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

// TestShutdownLeavesBehindWorkThatIgnoresItsCancellation: a task blocked for good (a
// driver waiting on a database that never answers) no longer keeps the process alive.
func TestShutdownLeavesBehindWorkThatIgnoresItsCancellation(t *testing.T) {
	t.Parallel()
	ctx, shutdown := context.WithCancel(context.Background())
	g, gctx := newTasks(ctx)
	blocked := make(chan struct{})
	defer close(blocked)
	g.Go("revocations", func() error { <-blocked; return nil })
	g.Go("http server", func() error { <-gctx.Done(); return nil })
	shutdown()
	waited := make(chan error, 1)
	go func() { waited <- g.waitWithin(gctx, 100*time.Millisecond) }()
	select {
	case err := <-waited:
		if err == nil || !strings.Contains(err.Error(), "abandoned revocations,") {
			t.Fatalf("err %v, want one naming the task left behind (revocations only)", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the shutdown still waits, a minute on, for a task that ignores its cancellation")
	}
}

func TestShutdownWaitsForTasksThatReturn(t *testing.T) {
	t.Parallel()
	ctx, shutdown := context.WithCancel(context.Background())
	g, gctx := newTasks(ctx)
	failed := errors.New("http server: failed")
	g.Go("http server", func() error { <-gctx.Done(); return failed })
	shutdown()
	if err := g.waitWithin(gctx, time.Minute); err != failed {
		t.Fatalf("err %v, want the task's", err)
	}
}

// TestSecondSignalExitsAtOnce: a process whose shutdown waits on a database that never
// answers (here its start-up: the URL's connect_timeout outlasts the test) exits on a
// second SIGTERM.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"DATABASE_URL":    "postgres://postgres@" + testenv.Blackhole(t) + "/none?sslmode=disable&connect_timeout=600",
		"STARTUP_TIMEOUT": "10m",
	}
	p := launchProcess(t, buildServerBinary(t), "A", env)
	p.stop = func() error { return nil } // stopped here
	for !strings.Contains(p.logs.String(), "starting backbone") {
		select {
		case <-p.exited:
			t.Fatalf("exited at start-up: %v", p.waitErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	// A SIGTERM a second until the process exits: the first starts the shutdown, and any
	// later one, however long a busy machine takes to handle the first, ends the process.
	deadline := time.After(60 * time.Second)
	for {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			return
		case <-deadline:
			_ = p.cmd.Process.Kill()
			<-p.exited
			t.Fatal("still running a minute after its first SIGTERM, with one more every second")
		case <-time.After(time.Second):
		}
	}
}

// TestReadyzAnswersDrainingDuringTheDrainDelay: after the stop signal, both listeners
// keep serving for SHUTDOWN_DRAIN_DELAY, /readyz answering 503 draining, so that load
// balancers see it rather than a refused connection.
func TestReadyzAnswersDrainingDuringTheDrainDelay(t *testing.T) {
	t.Parallel()
	opsAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	ts := startServer(t, withDefaults(embeddedEnv(t), map[string]string{
		"SHUTDOWN_TIMEOUT": "30s", "SHUTDOWN_DRAIN_DELAY": "10s", "METRICS_ADDR": opsAddr})) // room for a busy machine
	stopped := make(chan error, 1)
	go func() { stopped <- ts.stop() }()
	client := &http.Client{Timeout: 2 * time.Second}
	for _, url := range []string{ts.URL + "/readyz", "http://" + opsAddr + "/readyz"} {
		for draining := false; !draining; {
			select {
			case err := <-stopped:
				t.Fatalf("the server stopped (%v) before %s answered 503 draining", err, url)
			default:
			}
			resp, err := client.Get(url)
			if err != nil {
				t.Fatalf("%s during the drain delay: %v", url, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			draining = resp.StatusCode == http.StatusServiceUnavailable && strings.Contains(string(body), `"draining"`)
			if !draining {
				time.Sleep(20 * time.Millisecond) // the signal is on its way
			}
		}
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}
