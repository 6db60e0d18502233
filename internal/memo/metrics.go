package memo

import (
	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/promx"
)

// Metrics are the counters of every Memo of a process:
// memo_hits_total{cache,tier} (tier: local, shared or flight) and
// memo_misses_total{cache} (loader runs).
type Metrics struct {
	hits   *prometheus.CounterVec
	misses *prometheus.CounterVec
}

// NewMetrics registers the counters in reg, or reuses those already there.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	return &Metrics{
		hits: promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memo_hits_total",
			Help: "Cached values served without running their loader, by cache and where they were found (local, shared, flight: waited for another caller's load).",
		}, []string{"cache", "tier"})),
		misses: promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "memo_misses_total",
			Help: "Cached values computed by their loader, by cache.",
		}, []string{"cache"})),
	}
}

// hit counts a value served from tier.
func (m *Memo) hit(tier string) {
	if m.metrics != nil {
		m.metrics.hits.WithLabelValues(m.name, tier).Inc()
	}
}

// count counts a flight's outcome: a hit in tier, or a miss for "".
func (m *Memo) count(tier string) {
	switch {
	case tier != "":
		m.hit(tier)
	case m.metrics != nil:
		m.metrics.misses.WithLabelValues(m.name).Inc()
	}
}
