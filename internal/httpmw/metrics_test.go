package httpmw_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/httpmw"
)

// counterValue reads http_requests_total for the given labels from reg.
func counterValue(tb testing.TB, reg *prometheus.Registry, labels map[string]string) float64 {
	tb.Helper()
	families, err := reg.Gather()
	if err != nil {
		tb.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "http_requests_total" {
			continue
		}
	metrics:
		for _, m := range f.GetMetric() {
			for _, lp := range m.GetLabel() {
				if want, ok := labels[lp.GetName()]; ok && want != lp.GetValue() {
					continue metrics
				}
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	mux := http.NewServeMux()
	mux.Handle("/graphql", httpmw.Route("graphql")(okHandler))
	mux.Handle("/teapot", httpmw.Route("teapot")(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	})))
	mux.Handle("/raw/", okHandler) // not named: counted as "other"
	h := httpmw.Metrics(reg)(mux)

	requests := []struct{ method, path string }{
		{http.MethodPost, "/graphql"}, {http.MethodPost, "/graphql"}, {http.MethodGet, "/teapot"},
		{http.MethodGet, "/raw/a1"}, {http.MethodGet, "/raw/b2"}, {"BREW", "/teapot"},
	}
	for _, rq := range requests {
		serve(h, httptest.NewRequest(rq.method, rq.path, nil))
	}

	tests := []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"named route", map[string]string{"route": "graphql", "method": "POST", "code": "200"}, 2},
		{"status code label", map[string]string{"route": "teapot", "method": "GET", "code": "418"}, 1},
		{"raw paths fold into other", map[string]string{"route": httpmw.RouteOther, "method": "GET", "code": "200"}, 2},
		{"odd methods fold into OTHER", map[string]string{"route": "teapot", "method": "OTHER", "code": "418"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := counterValue(t, reg, tt.labels); got != tt.want {
				t.Fatalf("http_requests_total%v = %v, want %v", tt.labels, got, tt.want)
			}
		})
	}

	t.Run("the handler exposes every family and no raw path", func(t *testing.T) {
		w := serve(httpmw.MetricsHandler(reg), httptest.NewRequest(http.MethodGet, "/metrics", nil))
		body, _ := io.ReadAll(w.Body)
		for _, name := range []string{"http_requests_total", "http_request_duration_seconds_bucket", "http_requests_in_flight 0"} {
			if !strings.Contains(string(body), name) {
				t.Errorf("/metrics lacks %q", name)
			}
		}
		if strings.Contains(string(body), "/raw/") {
			t.Errorf("a raw path became a label value")
		}
	})
}

func TestMetricsReusesRegisteredCollectors(t *testing.T) {
	t.Parallel()
	reg := httpmw.NewRegistry()
	a := httpmw.Metrics(reg)(httpmw.Route("a")(okHandler))
	b := httpmw.Metrics(reg)(httpmw.Route("a")(okHandler))
	serve(a, httptest.NewRequest(http.MethodGet, "/", nil))
	serve(b, httptest.NewRequest(http.MethodGet, "/", nil))
	if got := counterValue(t, reg, map[string]string{"route": "a"}); got != 2 {
		t.Fatalf("count = %v, want 2 from both middleware", got)
	}
}
