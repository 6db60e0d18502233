package httpmw_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/httpmw"
)

// BenchmarkChain measures the server's middleware around a handler that does nothing: a
// request id, the client IP, a JSON access line (discarded), metrics, panics, security
// headers and the body limit, as server/http.go orders them.
//
//	go test -run '^$' -bench BenchmarkChain -benchmem ./internal/httpmw
func BenchmarkChain(b *testing.B) {
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	h := httpmw.Chain(
		httpmw.RequestID,
		httpmw.ClientIPContext(nil),
		httpmw.AccessLog(log),
		httpmw.Metrics(prometheus.NewRegistry()),
		httpmw.Recover(log),
		httpmw.SecurityHeaders(httpmw.SecurityOptions{}),
		httpmw.BodyLimit(1<<20),
	)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"data":{"__typename":"Query"}}`))
	}))
	const body = `{"query":"{ __typename }"}`
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}
}
