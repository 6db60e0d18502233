package gqlws

import (
	"github.com/prometheus/client_golang/prometheus"
)

// Register adds the transport's metrics to reg. They are read at scrape time, so the
// delivery path only increments two atomic counters.
func (s *Server) Register(reg prometheus.Registerer) error {
	collectors := []prometheus.Collector{
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "websocket_connections",
			Help: "Open GraphQL websocket connections.",
		}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return float64(len(s.conns))
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "websocket_shared_subscriptions",
			Help: "Shared subscription executions (one per audience, operation and variables).",
		}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			return float64(len(s.groups))
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "websocket_shared_subscribers",
			Help: "Subscriptions served by a shared execution.",
		}, func() float64 {
			s.mu.Lock()
			defer s.mu.Unlock()
			n := 0
			for _, g := range s.groups {
				g.mu.Lock()
				n += len(g.members)
				g.mu.Unlock()
			}
			return float64(n)
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "websocket_connections_limit",
			Help: "The most websockets and event streams held at once (0: no limit).",
		}, func() float64 { return float64(s.cfg.Limits.Total) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "websocket_messages_sent_total",
			Help: "Messages written to GraphQL websocket clients.",
		}, func() float64 { return float64(s.sent.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "websocket_slow_consumer_disconnects_total",
			Help: "Connections closed because their send queue overflowed.",
		}, func() float64 { return float64(s.slowClosed.Load()) }),
	}
	for limit, n := range s.admission.refused {
		collectors = append(collectors, prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "websocket_refused_total",
			Help:        "Websockets and event streams refused by a connection limit (total, ip, anonymous_ip, user), the handshake rate (handshake_ip) or for being anonymous.",
			ConstLabels: prometheus.Labels{"limit": limit},
		}, func() float64 { return float64(n.Load()) }))
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}
