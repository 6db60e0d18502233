// Package health answers liveness, readiness and dependency probes, running the checks in parallel with a timeout and caching their results briefly.
package health

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for a Checker.
const (
	DefaultTimeout  = 2 * time.Second
	DefaultCacheTTL = time.Second
)

// Modes of a dependency, shown in Detailed.
const (
	ModeEmbedded = "embedded"
	ModeExternal = "external"
)

// Check is one dependency probe.
type Check struct {
	// Name identifies the dependency, e.g. "database".
	Name string
	// Required: when it is down, the server is not ready and Detailed answers 503.
	Required bool
	// Ping returns nil when the dependency is usable; it should honour ctx.
	Ping func(ctx context.Context) error
	// Mode is ModeEmbedded or ModeExternal.
	Mode string
	// Driver names the implementation, e.g. "postgres", "sqlite", "redis", "memory".
	Driver string
}

// Checker runs the checks and serves the health endpoints. Configure it with
// WithTimeout and WithCacheTTL before serving.
type Checker struct {
	log        *slog.Logger
	checks     []Check
	indicators []Indicator
	timeout    time.Duration
	ttl        time.Duration
	draining   atomic.Bool

	mu   sync.Mutex // held during a run, so concurrent probes share one
	last Report
	at   time.Time

	// The indicators' last measures, cached like the checks' results but apart: only
	// Detailed reads them, so the probes of load balancers cost no query.
	bmu      sync.Mutex
	measured []Measurement
	bat      time.Time
}

// New returns a Checker over checks, with DefaultTimeout and DefaultCacheTTL.
func New(log *slog.Logger, checks ...Check) *Checker {
	return &Checker{log: log, checks: checks, timeout: DefaultTimeout, ttl: DefaultCacheTTL}
}

// WithTimeout sets how long each check may take; it returns c.
func (c *Checker) WithTimeout(d time.Duration) *Checker {
	c.timeout = d
	return c
}

// WithCacheTTL sets how long results are reused (0 runs the checks on every
// call); it returns c.
func (c *Checker) WithCacheTTL(d time.Duration) *Checker {
	c.ttl = d
	return c
}

// SetDraining marks the server as shutting down: Readyz then answers 503 so
// load balancers stop sending traffic while in-flight requests finish.
func (c *Checker) SetDraining(v bool) { c.draining.Store(v) }

// Draining reports whether SetDraining(true) was called.
func (c *Checker) Draining() bool { return c.draining.Load() }

// Snapshot returns the current results, running the checks when the cached
// ones are older than the cache TTL. Checks run in parallel, each under the
// timeout; the caller's cancellation does not cut a run short, since others
// may be waiting on the same run.
func (c *Checker) Snapshot(ctx context.Context) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.at.IsZero() && time.Since(c.at) < c.ttl {
		return c.withDraining(c.last)
	}
	c.last = c.run(context.WithoutCancel(ctx))
	c.at = time.Now()
	return c.withDraining(c.last)
}

func (c *Checker) withDraining(r Report) Report {
	r.Draining = c.Draining()
	r.Dependencies = append([]Result(nil), r.Dependencies...)
	return r
}

func (c *Checker) run(ctx context.Context) Report {
	results := make([]Result, len(c.checks))
	var wg sync.WaitGroup
	for i, chk := range c.checks {
		wg.Go(func() { results[i] = c.probe(ctx, chk) })
	}
	wg.Wait()
	rep := Report{Status: StatusOK, CheckedAt: time.Now().UTC(), Dependencies: results}
	for _, res := range results {
		if res.Status == Up {
			continue
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "health check failed",
			slog.String("check", res.Name), slog.Bool("required", res.Required), slog.String("error", res.Error))
		if res.Required {
			rep.Status = StatusDown
		} else if rep.Status == StatusOK {
			rep.Status = StatusDegraded
		}
	}
	return rep
}

// probe runs one check under the timeout.
func (c *Checker) probe(ctx context.Context, chk Check) Result {
	res := Result{Name: chk.Name, Mode: chk.Mode, Driver: chk.Driver, Required: chk.Required}
	start := time.Now()
	err := c.guard(ctx, func(ctx context.Context) error {
		if chk.Ping == nil {
			return fmt.Errorf("no ping function")
		}
		return chk.Ping(ctx)
	})
	res.LatencyMS = float64(time.Since(start).Microseconds()) / 1000
	res.Status = Up
	if err != nil {
		res.Status = Down
		res.Error = truncate(err.Error(), 300)
	}
	return res
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
