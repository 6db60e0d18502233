package httpmw_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"backbone/internal/httpmw"
)

// The server's order: RequestID, ClientIPContext, AccessLog and Metrics keep what they
// learn in one request state. The handler reads the id and client IP, its notes reach
// the access line, the route reaches the metrics, and a layer added further in still
// overrides a value, as context layers do.
func TestChainSharesOneRequestState(t *testing.T) {
	t.Parallel()
	log, buf := newLogger()
	reg := prometheus.NewRegistry()
	proxies, err := httpmw.ParseProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	var seenID, seenIP, innerIP string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenID, seenIP = httpmw.RequestIDFrom(r.Context()), httpmw.ClientIPFrom(r.Context())
		innerIP = httpmw.ClientIPFrom(httpmw.WithClientIP(r.Context(), "192.0.2.7"))
		httpmw.NoteForAccessLog(r.Context(), slog.String("graphql_operation", "Me"))
		w.WriteHeader(http.StatusAccepted)
	})
	mux := http.NewServeMux()
	mux.Handle("/query", httpmw.Route("query")(inner))
	h := httpmw.Chain(httpmw.RequestID, httpmw.ClientIPContext(proxies), httpmw.AccessLog(log), httpmw.Metrics(reg))(mux)

	r := httptest.NewRequest(http.MethodPost, "/query", nil)
	r.RemoteAddr = "10.1.2.3:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.9")
	r.Header.Set(httpmw.HeaderRequestID, "req-42")
	if w := serve(h, r); w.Code != http.StatusAccepted || w.Header().Get(httpmw.HeaderRequestID) != "req-42" {
		t.Fatalf("status %d, request id %q", w.Code, w.Header().Get(httpmw.HeaderRequestID))
	}
	if seenID != "req-42" || seenIP != "198.51.100.9" || innerIP != "192.0.2.7" {
		t.Fatalf("handler saw id %q, IP %q, inner layer's IP %q", seenID, seenIP, innerIP)
	}
	line := buf.lines(t)[0]
	if line["request_id"] != "req-42" || line["remote_ip"] != "198.51.100.9" || line["graphql_operation"] != "Me" || line["status"] != float64(http.StatusAccepted) {
		t.Fatalf("access line %v", line)
	}
	if got := counterValue(t, reg, map[string]string{"route": "query", "method": "POST", "code": "202"}); got != 1 {
		t.Fatalf("http_requests_total{route=query} = %v, want 1", got)
	}
}

type attachKey struct{ name string }

// A value attached to the request is read through the context layers added since, as a
// context.WithValue layer would be; a later layer with the same key still answers first;
// outside a request RequestID serves nothing is attached.
func TestAttachGivesTheRequestAValue(t *testing.T) {
	t.Parallel()
	var got, shadowed, missing any
	var attached bool
	h := httpmw.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		layered := httpmw.WithClientIP(r.Context(), "192.0.2.1") // a layer added before Attach
		attached = httpmw.Attach(layered, attachKey{"a"}, "one") && httpmw.Attach(layered, attachKey{"b"}, "two") &&
			httpmw.Attach(layered, attachKey{"c"}, "three")
		got = layered.Value(attachKey{"c"})
		shadowed = context.WithValue(layered, attachKey{"a"}, "inner").Value(attachKey{"a"})
		missing = layered.Value(attachKey{"d"})
	}))
	serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
	if !attached || got != "three" || shadowed != "inner" || missing != nil {
		t.Fatalf("attached %v; read %v, %v under a layer with the key, %v for a key never attached", attached, got, shadowed, missing)
	}
	if httpmw.Attach(context.Background(), attachKey{"a"}, "x") {
		t.Fatal("Attach outside a request reported true")
	}
}
