package main

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"backbone/graph"
	"backbone/graph/wsgorilla"
	"backbone/internal/health"
	"backbone/internal/httpmw"
)

// httpApp is the HTTP face of the process: routes, middleware, and the websocket registry
// that shutdown closes.
type httpApp struct {
	handler http.Handler
	health  *health.Checker

	// wsStop is cancelled at shutdown; every websocket's context derives from it.
	wsStop   context.Context
	wsCancel context.CancelFunc
	wsOpen   sync.WaitGroup
}

// persistedQueryTTL is how long an automatic persisted query stays registered.
const persistedQueryTTL = 24 * time.Hour

func newHTTP(a *app) (*httpApp, error) {
	h := &httpApp{health: health.New(a.log, a.healthChecks()...)}
	h.wsStop, h.wsCancel = context.WithCancel(context.Background())

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	gql := graph.NewHandler(graph.HandlerConfig{
		Resolver: &graph.Resolver{
			Client: a.db.Client,
			Log:    a.log,
			Info:   a.serverInfo(),
		},
		Introspection:    a.cfg.Introspection,
		ComplexityLimit:  a.cfg.ComplexityLimit,
		PersistedQueries: graph.PersistedQueryCache(a.cache, persistedQueryTTL, a.log),
		MaxBodyBytes:     a.cfg.MaxBodyBytes,
		CheckOrigin:      wsgorilla.AllowOrigins(a.cfg.CORSOrigins...),
	})

	mux := http.NewServeMux()
	mux.Handle("/query", h.trackWebsockets(gql))
	mux.HandleFunc("GET /healthz", h.health.Healthz)
	mux.HandleFunc("GET /livez", h.health.Livez)
	mux.HandleFunc("GET /readyz", h.health.Readyz)
	mux.HandleFunc("GET /health/detailed", h.health.Detailed)
	mux.Handle("GET /metrics", httpmw.MetricsHandler(reg))
	if a.cfg.Playground {
		mux.Handle("GET /{$}", httpmw.PlaygroundCSP(playground.Handler("Backbone", "/query")))
	}

	h.handler = chain(mux,
		httpmw.Recover(a.log),
		httpmw.RequestID,
		httpmw.ClientIP(a.cfg.TrustedProxies),
		httpmw.AccessLog(a.log),
		httpmw.Metrics(reg, routeName),
		httpmw.SecurityHeaders(httpmw.SecurityOptions{HSTS: a.cfg.IsProduction()}),
		httpmw.TrustedHosts(a.cfg.TrustedHosts, "/healthz", "/livez", "/readyz"),
		httpmw.CORS(a.cfg.CORSOrigins),
		httpmw.BodyLimit(a.cfg.MaxBodyBytes),
	)
	return h, nil
}

// routeName labels metrics by route, never by raw path, to bound their cardinality.
func routeName(r *http.Request) string {
	switch r.URL.Path {
	case "/query", "/healthz", "/livez", "/readyz", "/health/detailed", "/metrics", "/":
		return r.URL.Path
	}
	return "other"
}

// chain applies middleware so that the first one listed is the outermost.
func chain(h http.Handler, mw ...func(http.Handler) http.Handler) http.Handler {
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// trackWebsockets gives each websocket request a context that shutdown cancels, which makes
// gqlgen close the socket with a close frame, and counts open sockets so shutdown can wait.
func (h *httpApp) trackWebsockets(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			next.ServeHTTP(w, r)
			return
		}
		h.wsOpen.Add(1)
		defer h.wsOpen.Done()
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(h.wsStop, cancel)
		defer stop()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// closeWebsockets asks every open websocket to close.
func (h *httpApp) closeWebsockets() { h.wsCancel() }

// waitWebsockets waits until the websockets have closed, or ctx ends.
func (h *httpApp) waitWebsockets(ctx context.Context) {
	done := make(chan struct{})
	go func() { h.wsOpen.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}
