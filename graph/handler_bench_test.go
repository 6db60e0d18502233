package graph_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"backbone/graph"
	"backbone/internal/httpmw"
)

// BenchmarkQuery measures one POST of a small query through the real handler, with the
// parsed-document cache the server uses and with a cache that never hits (what
// handler.New gives: every request parsed and validated again), with the server's cache
// and its metrics (operations, errors, cache lookups) registered, as the server runs, and
// cached with tracing on (the HTTP and operation spans recorded by an SDK provider that
// exports nothing).
//
//	go test -run '^$' -bench BenchmarkQuery -benchmem ./graph
func BenchmarkQuery(b *testing.B) {
	const body = `{"query":"query Info { serverInfo { version environment components { name mode driver } } }"}`
	for _, bc := range []struct {
		name                   string
		cache, metrics, traced bool
	}{{"cached", true, false, false}, {"reparsed", false, false, false}, {"cached+metrics", true, true, false}, {"cached_traced", true, false, true}} {
		b.Run(bc.name, func(b *testing.B) {
			var tp trace.TracerProvider
			if bc.traced {
				sdk := sdktrace.NewTracerProvider()
				b.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
				tp = sdk
			}
			cfg := graph.HandlerConfig{
				Tracer: tp,
				Resolver: &graph.Resolver{Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
					Info: graph.ServerInfo{Version: "bench", Environment: "development",
						Components: []graph.Component{{Name: "database", Driver: "sqlite"}}}},
				ComplexityLimit: 1000,
			}
			if bc.metrics {
				cfg.Metrics = prometheus.NewRegistry()
			}
			srv := graph.NewHandler(cfg)
			if !bc.cache {
				srv.SetQueryCache(noCache{})
			}
			var h http.Handler = srv
			if tp != nil {
				h = httpmw.Trace(tp)(h)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					w := httptest.NewRecorder()
					h.ServeHTTP(w, req)
					if w.Code != http.StatusOK {
						b.Fatalf("status %d: %s", w.Code, w.Body)
					}
				}
			})
		})
	}
}

// noCache is a query cache that never hits.
type noCache struct{}

func (noCache) Get(context.Context, string) (*ast.QueryDocument, bool) { return nil, false }
func (noCache) Add(context.Context, string, *ast.QueryDocument)        {}
