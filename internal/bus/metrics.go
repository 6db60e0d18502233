package bus

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are a bus's counters: bus_messages_published_total (by this process),
// bus_messages_received_total (messages that reached this process's subscribers' topics,
// once per message), bus_gaps_total (a subscribed topic's messages may have been lost,
// such as across a Redis outage) and bus_subscribers_dropped_total (too slow). Topics
// name users and questions, so none is a label.
type Metrics struct {
	published, received, gaps, dropped prometheus.Counter
}

// NewMetrics registers a bus's counters in reg.
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	}
	m := &Metrics{
		published: counter("bus_messages_published_total", "Messages published on the bus by this process."),
		received:  counter("bus_messages_received_total", "Messages the bus brought to this process for topics it subscribes, once per message."),
		gaps:      counter("bus_gaps_total", "Times a subscribed topic may have lost messages (its subscribers were told to catch up)."),
		dropped:   counter("bus_subscribers_dropped_total", "Subscribers dropped for falling a whole buffer behind."),
	}
	for _, c := range []prometheus.Collector{m.published, m.received, m.gaps, m.dropped} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("bus metrics: %w", err)
		}
	}
	return m, nil
}

// WithMetrics counts the bus's traffic in m (default: not counted).
func WithMetrics(m *Metrics) Option { return func(o *options) { o.metrics = m } }

// The counting methods do nothing on a nil *Metrics (a bus without metrics).

func (m *Metrics) countPublished() {
	if m != nil {
		m.published.Inc()
	}
}

func (m *Metrics) countReceived() {
	if m != nil {
		m.received.Inc()
	}
}

func (m *Metrics) countGap() {
	if m != nil {
		m.gaps.Inc()
	}
}

func (m *Metrics) countDropped() {
	if m != nil {
		m.dropped.Inc()
	}
}
