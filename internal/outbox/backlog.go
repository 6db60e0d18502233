package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/internal/db"
)

// Backlog is what the outbox holds that no relay has published yet.
type Backlog struct {
	// Pending is the number of rows not yet delivered.
	Pending int
	// Oldest is when the oldest of them was written (zero when none is pending).
	Oldest time.Time
}

// Lag is how long the oldest pending row has waited at now: how far the relays are
// behind the commits (0 when none is pending).
func (b Backlog) Lag(now time.Time) time.Duration {
	if b.Pending == 0 || b.Oldest.IsZero() {
		return 0
	}
	return max(now.Sub(b.Oldest), 0)
}

// ReadBacklog reads the outbox's backlog: two reads of the undelivered rows, which the
// partial index on available_at keeps cheap however many delivered rows there are.
func ReadBacklog(ctx context.Context, client *ent.Client) (Backlog, error) {
	n, err := countPending(ctx, client)
	if err != nil || n == 0 {
		return Backlog{}, err
	}
	oldest, err := client.OutboxMessage.Query().Where(outboxmessage.DeliveredAtIsNil()).
		Order(outboxmessage.ByCreatedAt()).Select(outboxmessage.FieldCreatedAt).First(db.System(ctx))
	if ent.IsNotFound(err) { // delivered meanwhile
		return Backlog{}, nil
	}
	if err != nil {
		return Backlog{}, fmt.Errorf("outbox backlog: %w", err)
	}
	return Backlog{Pending: n, Oldest: oldest.CreatedAt}, nil
}

// backlogCollector reads the backlog at scrape time.
type backlogCollector struct {
	client       *ent.Client
	timeout      time.Duration
	log          *slog.Logger
	pending, lag *prometheus.Desc
}

// NewBacklogCollector returns a collector of outbox_pending and outbox_lag_seconds, read
// from the database at scrape time within timeout. When the read fails both are left out
// of that scrape (and the failure logged): a missing series alerts, a stale one would not.
func NewBacklogCollector(client *ent.Client, timeout time.Duration, log *slog.Logger) prometheus.Collector {
	return &backlogCollector{
		client: client, timeout: timeout, log: log,
		pending: prometheus.NewDesc("outbox_pending", "Outbox rows written but not yet published by a relay.", nil, nil),
		lag:     prometheus.NewDesc("outbox_lag_seconds", "Age of the oldest unpublished outbox row (0: none pending).", nil, nil),
	}
}

func (c *backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.lag
}

func (c *backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	b, err := ReadBacklog(ctx, c.client)
	if err != nil {
		c.log.Warn("outbox metrics not collected", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue, float64(b.Pending))
	ch <- prometheus.MustNewConstMetric(c.lag, prometheus.GaugeValue, b.Lag(time.Now()).Seconds())
}
