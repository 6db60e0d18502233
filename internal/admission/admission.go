// Package admission lets a bounded number of GraphQL queries execute at once and makes the
// others wait for a turn in the order they arrived.
//
// Without it, every query that arrives runs at once and they all queue for the database
// pool's connections, where database/sql hands a freed connection to a random waiter. A
// page of questions asks the pool three times, and each time it may be passed over again:
// under bench/http's load the slowest pages (p99) took nearly three times as long as the
// typical one (p50; issue 18). With fewer queries executing than the pool has
// connections, a query rarely waits for one, and the wait it has instead is first come,
// first served.
package admission

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/semaphore"

	"backbone/internal/promx"
)

// ErrBusy is Enter's answer to a query that waited the gate's whole wait limit.
var ErrBusy = errors.New("admission: no turn within the wait limit")

// Gate admits up to its limit of queries at once. A nil *Gate admits everything.
type Gate struct {
	turns   *semaphore.Weighted // FIFO: a release goes to the longest waiter
	maxWait time.Duration
	waiting prometheus.Gauge
	busy    prometheus.Counter
}

// New returns a gate of limit turns whose waiters give up after maxWait, counting in reg
// (graphql_queries_waiting, graphql_queries_refused_busy_total); nil when limit is 0 or
// less (no limit).
func New(limit int, maxWait time.Duration, reg prometheus.Registerer) *Gate {
	if limit <= 0 {
		return nil
	}
	return &Gate{
		turns:   semaphore.NewWeighted(int64(limit)),
		maxWait: maxWait,
		waiting: promx.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "graphql_queries_waiting",
			Help: "Queries waiting for a turn to execute (MAX_CONCURRENT_QUERIES are executing).",
		})),
		busy: promx.Register(reg, prometheus.NewCounter(prometheus.CounterOpts{
			Name: "graphql_queries_refused_busy_total",
			Help: "Queries answered UNAVAILABLE after waiting QUERY_QUEUE_TIMEOUT for a turn.",
		})),
	}
}

// Enter waits for a turn, in arrival order, and returns the function that gives it back,
// to be called once. It fails with ErrBusy after the gate's wait limit, or with ctx's error
// when ctx ends first.
func (g *Gate) Enter(ctx context.Context) (leave func(), err error) {
	if g == nil {
		return func() {}, nil
	}
	// TryAcquire fails while anyone waits, so a newcomer never overtakes the queue.
	if g.turns.TryAcquire(1) {
		return g.leave, nil
	}
	g.waiting.Inc()
	defer g.waiting.Dec()
	wait, cancel := context.WithTimeout(ctx, g.maxWait)
	defer cancel()
	if err := g.turns.Acquire(wait, 1); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		g.busy.Inc()
		return nil, ErrBusy
	}
	return g.leave, nil
}

func (g *Gate) leave() { g.turns.Release(1) }
