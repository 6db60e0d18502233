package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"backbone/internal/bus"
	"backbone/internal/timex"
)

// measure runs one server with len(tokens) subscribers and fires the events at them.
func measure(ctx context.Context, o options, bin string, env serverEnv, logPath string, pub bus.Bus, tokens []string, out io.Writer) (r result, err error) {
	n := len(tokens)
	tick := clockTick()
	srv, err := startServer(ctx, bin, env, logPath)
	if err != nil {
		return r, err
	}
	defer func() {
		if serr := srv.stop(); serr != nil && err == nil {
			err = fmt.Errorf("stopping the server: %w", serr)
		}
		if tail := srv.logTail(10); strings.TrimSpace(tail) != "" {
			fmt.Fprintf(out, "  server log (last lines, LOG_LEVEL=%s):\n%s\n", o.logLevel, indent(tail))
		}
	}()
	pid := srv.pid()

	if !timex.Sleep(ctx, o.settle) {
		return r, ctx.Err()
	}
	idle, err := readProc(pid)
	if err != nil {
		return r, err
	}
	rtIdle := scrapeRuntime(ctx, srv.base)

	events := newEventTable(o.events)
	f := newFleet(n, events, o.query)
	defer f.close()
	started := time.Now()
	f.connect(ctx, "ws"+strings.TrimPrefix(srv.base, "http")+"/query", tokens, o.concurrency)
	fmt.Fprintf(out, "  connected %d of %d in %s (%d handshakes at a time)\n",
		f.connected.Load(), n, time.Since(started).Round(time.Millisecond), o.concurrency)
	if err := failed(f, n); err != nil {
		return r, err
	}

	// Settle, then sample memory and the idle CPU rate with every subscription open.
	if !timex.Sleep(ctx, o.settle) {
		return r, ctx.Err()
	}
	busy, quiet, err := waitQuiet(ctx, pid, tick, 30*time.Second)
	switch {
	case err != nil:
		return r, err
	case !quiet:
		fmt.Fprintf(out, "  warning: the server stayed above %s/s of CPU for %d s after the settle time; measuring anyway\n", quietCPU, busy)
	case busy > 0:
		fmt.Fprintf(out, "  the server was busy for %d s more after the settle time\n", busy)
	}
	subscribed, err := readProc(pid)
	if err != nil {
		return r, err
	}
	rtSub := scrapeRuntime(ctx, srv.base)
	const idleWindow = 5 * time.Second
	if !timex.Sleep(ctx, idleWindow) {
		return r, ctx.Err()
	}
	afterIdle, err := readProc(pid)
	if err != nil {
		return r, err
	}
	if err := failed(f, n); err != nil {
		return r, err
	}

	// The warm-up event proves each subscription live before anything is timed.
	if err := events.publish(ctx, pub, 0); err != nil {
		return r, fmt.Errorf("publish warm-up: %w", err)
	}
	waitFor(ctx, &f.warm, int64(n), o.drain)
	if w := f.warm.Load(); w < int64(n) {
		fmt.Fprintf(out, "  warning: the warm-up event reached %d of %d subscribers within %s\n", w, n, o.drain)
	}

	before, err := readProc(pid)
	if err != nil {
		return r, err
	}
	selfBefore, err := readProc(os.Getpid())
	if err != nil {
		return r, err
	}
	fireStart := time.Now()
	for i := 1; i <= o.events; i++ {
		if i > 1 && !timex.Sleep(ctx, o.interval) {
			return r, ctx.Err()
		}
		if err := events.publish(ctx, pub, i); err != nil {
			return r, fmt.Errorf("publish event %d: %w", i, err)
		}
	}
	want := int64(n) * int64(o.events)
	waitFor(ctx, &f.delivered, want, o.drain)
	window := time.Since(fireStart)
	after, err := readProc(pid)
	if err != nil {
		return r, err
	}
	selfAfter, err := readProc(os.Getpid())
	if err != nil {
		return r, err
	}
	if ctx.Err() != nil {
		return r, ctx.Err()
	}

	f.close()
	r = result{
		Subscribers: n, Events: o.events,
		Delivered: f.delivered.Load(), Dups: f.dups.Load(), Foreign: f.foreign.Load(), Warm: f.warm.Load(),
		CPUWindow:       time.Duration(after.CPUTicks-before.CPUTicks) * tick,
		SysWindow:       time.Duration(after.SysTicks-before.SysTicks) * tick,
		ClientCPUWindow: time.Duration(selfAfter.CPUTicks-selfBefore.CPUTicks) * tick,
		Window:          window,
		IdleCPURate:     (time.Duration(afterIdle.CPUTicks-subscribed.CPUTicks) * tick).Seconds() / idleWindow.Seconds(),
		IdleRSSKiB:      idle.RSSKiB, SubRSSKiB: subscribed.RSSKiB,
		KiBPerSub:        float64(subscribed.RSSKiB-idle.RSSKiB) / float64(n),
		HeapPerSubKiB:    (rtSub.HeapInuse - rtIdle.HeapInuse) / 1024 / float64(n),
		GoroutinesPerSub: (rtSub.Goroutines - rtIdle.Goroutines) / float64(n),
	}
	r.Lost = want - r.Delivered
	if r.Delivered > 0 {
		r.CPUPerEvent = r.CPUWindow / time.Duration(r.Delivered)
	}
	r.summarize(f.latencies())
	if d := f.dropped.Load(); d > 0 {
		return r, fmt.Errorf("%d connections ended during the run; first: %s", d, firstFailure(f))
	}
	return r, nil
}

// quietCPU is the server CPU rate under which it counts as idle: 5% of one core.
const quietCPU = 50 * time.Millisecond // per second

// waitQuiet waits until the server spends under quietCPU in a one-second window (it may
// still be setting up subscriptions or publishing presence), for at most limit. It
// returns how many busy windows passed first and whether it found a quiet one.
func waitQuiet(ctx context.Context, pid int, tick, limit time.Duration) (busy int, quiet bool, err error) {
	for range int(limit / time.Second) {
		a, err := readProc(pid)
		if err != nil {
			return busy, false, err
		}
		if !timex.Sleep(ctx, time.Second) {
			return busy, false, ctx.Err()
		}
		b, err := readProc(pid)
		if err != nil {
			return busy, false, err
		}
		if time.Duration(b.CPUTicks-a.CPUTicks)*tick < quietCPU {
			return busy, true, nil
		}
		busy++
	}
	return busy, false, nil
}

// failed reports the fleet's connection and subscription failures so far.
func failed(f *fleet, n int) error {
	list := f.failureList()
	if len(list) == 0 {
		return nil
	}
	shown := list[:min(len(list), 5)]
	return fmt.Errorf("%d of %d clients failed, nothing retried; the first:\n%s", len(list), n, indent(strings.Join(shown, "\n")))
}

func firstFailure(f *fleet) string {
	if list := f.failureList(); len(list) > 0 {
		return list[0]
	}
	return "(none recorded)"
}

// waitFor polls c until it reaches want or timeout passes.
func waitFor(ctx context.Context, c *atomic.Int64, want int64, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for c.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n    ")
}
