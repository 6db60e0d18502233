package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/errs"
)

// TopicStats is what a queue holds for one topic at one moment.
type TopicStats struct {
	// Ready is the number of jobs waiting for a consumer. Jobs being handled and jobs
	// waiting out a retry backoff are not counted.
	Ready int
	// OldestAge is how long the oldest ready job has waited since it was last queued (a
	// retry is queued anew); 0 when none is ready.
	OldestAge time.Duration
	// Dead is the number of dead letters.
	Dead int
}

// Inspector is a Queue that can tell what it holds for a topic (Memory and AMQP are).
type Inspector interface {
	Stats(ctx context.Context, topic string) (TopicStats, error)
}

// StatsOf returns q's stats for topic, or an errs.Unavailable error when q cannot tell.
func StatsOf(ctx context.Context, q Queue, topic string) (TopicStats, error) {
	in, ok := q.(Inspector)
	if !ok {
		return TopicStats{}, errs.E(errs.Unavailable, "queue: this queue cannot report its depth")
	}
	return in.Stats(ctx, topic)
}

// statsCollector reports each topic's stats at scrape time.
type statsCollector struct {
	q       Queue
	topics  []string
	timeout time.Duration
	log     *slog.Logger

	depth, age, dead *prometheus.Desc
}

// NewStatsCollector returns a collector of queue_depth, queue_oldest_job_age_seconds and
// queue_dead_letters for topics, read from q at scrape time, each topic within timeout. A
// topic whose stats cannot be read is left out of that scrape (and logged).
func NewStatsCollector(q Queue, topics []string, timeout time.Duration, log *slog.Logger) prometheus.Collector {
	return &statsCollector{
		q: q, topics: topics, timeout: timeout, log: log,
		depth: prometheus.NewDesc("queue_depth", "Jobs waiting for a consumer, by topic (not those being handled or waiting to retry).", []string{"topic"}, nil),
		age:   prometheus.NewDesc("queue_oldest_job_age_seconds", "Age of the oldest job waiting for a consumer since it was queued, by topic (0: none waiting).", []string{"topic"}, nil),
		dead:  prometheus.NewDesc("queue_dead_letters", "Dead letters kept, by topic.", []string{"topic"}, nil),
	}
}

func (c *statsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.depth
	ch <- c.age
	ch <- c.dead
}

func (c *statsCollector) Collect(ch chan<- prometheus.Metric) {
	for _, topic := range c.topics {
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		s, err := StatsOf(ctx, c.q, topic)
		cancel()
		if err != nil {
			c.log.Warn("queue stats not collected", "topic", topic, "err", err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Ready), topic)
		ch <- prometheus.MustNewConstMetric(c.age, prometheus.GaugeValue, s.OldestAge.Seconds(), topic)
		ch <- prometheus.MustNewConstMetric(c.dead, prometheus.GaugeValue, float64(s.Dead), topic)
	}
}
