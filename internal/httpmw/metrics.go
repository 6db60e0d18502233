package httpmw

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"backbone/internal/promx"
)

// RouteOther labels requests that no Route named, so that raw paths never
// become label values.
const RouteOther = "other"

type routeKey struct{}

// routeSlot is filled in by Route deep in the chain and read by Metrics.
type routeSlot struct{ name string }

type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// NewRegistry returns a registry with the Go runtime and process collectors.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// Metrics records http_requests_total{route,method,code},
// http_request_duration_seconds{route,method} and http_requests_in_flight in
// reg. The route label is the name given by Route on the matched handler, or
// RouteOther; unusual methods are counted as "OTHER". A websocket is counted
// (code 101) but not timed; it leaves the in-flight gauge once upgraded (the
// websocket transport counts open connections: websocket_connections). Metrics
// may be called again with the same registry: it reuses the collectors there.
func Metrics(reg prometheus.Registerer) Middleware {
	m := httpMetrics{
		requests: promx.Register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route, method and status code.",
		}, []string{"route", "method", "code"})),
		duration: promx.Register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve HTTP requests, by route and method (websockets excluded).",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method"})),
		inFlight: promx.Register(reg, prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "http_requests_in_flight",
			Help: "HTTP requests being served (websockets count until they are upgraded).",
		})),
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			m.inFlight.Inc()
			defer m.inFlight.Dec()
			st := stateOf(r.Context())
			rec := recordIn(st, w)
			var slot *routeSlot
			if st != nil {
				slot = &st.routeInline
				st.route = slot
				next.ServeHTTP(rec, r)
			} else {
				slot = &routeSlot{}
				next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, slot)))
			}

			route := slot.name
			if route == "" {
				route = RouteOther
			}
			method := methodLabel(r.Method)
			m.requests.WithLabelValues(route, method, strconv.Itoa(rec.Status())).Inc()
			if !rec.hijacked {
				m.duration.WithLabelValues(route, method).Observe(time.Since(start).Seconds())
			}
		})
	}
}

// Route names the route of the handlers it wraps for Metrics' route label,
// e.g. Route("graphql")(srv), and names a traced request's span after the mux pattern.
// Use a small fixed set of names.
func Route(name string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if slot, ok := r.Context().Value(routeKey{}).(*routeSlot); ok {
				slot.name = name
			}
			nameSpan(r)
			next.ServeHTTP(w, r)
		})
	}
}

// MetricsHandler serves g (usually the *prometheus.Registry given to Metrics)
// in the Prometheus exposition format, for /metrics.
func MetricsHandler(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{})
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodHead, http.MethodOptions,
		http.MethodPut, http.MethodPatch, http.MethodDelete:
		return m
	}
	return "OTHER"
}
