package main

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

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

	reg := httpmw.NewRegistry()

	resolver := &graph.Resolver{
		Client:    a.db.Client,
		Auth:      a.auth,
		Ledger:    a.wallet,
		Market:    a.settings,
		Questions: a.questions,
		Notify:    a.notify,
		Log:       a.log,
		Info:      a.serverInfo(),
	}
	gql := graph.NewHandler(graph.HandlerConfig{
		Resolver:         resolver,
		Introspection:    a.cfg.Introspection,
		ComplexityLimit:  a.cfg.ComplexityLimit,
		MaxBodyBytes:     a.cfg.MaxBodyBytes,
		PersistedQueries: graph.PersistedQueryCache(a.cache, persistedQueryTTL, a.log),
		CheckOrigin:      wsgorilla.AllowOrigins(a.cfg.CORSOrigins...),
	})
	cors, err := httpmw.CORS(a.cfg.CORSOrigins, httpmw.CORSOptions{AllowWildcard: !a.cfg.IsProduction()})
	if err != nil {
		return nil, fmt.Errorf("CORS_ORIGINS: %w", err)
	}

	mux := http.NewServeMux()
	route := func(pattern, name string, h http.Handler) { mux.Handle(pattern, httpmw.Route(name)(h)) }
	route("/query", "query", graph.Authenticate(a.auth)(graph.LoadersMiddleware(resolver)(h.trackWebsockets(gql))))
	route("GET /healthz", "healthz", http.HandlerFunc(h.health.Healthz))
	route("GET /livez", "livez", http.HandlerFunc(h.health.Livez))
	route("GET /readyz", "readyz", http.HandlerFunc(h.health.Readyz))
	route("GET /health/detailed", "health_detailed", http.HandlerFunc(h.health.Detailed))
	route("GET /metrics", "metrics", httpmw.MetricsHandler(reg))
	if wh := a.paymentWebhook(); wh != nil {
		route("POST /webhooks/payments", "payment_webhook", wh)
	}
	if a.cfg.Playground {
		route("GET /{$}", "playground", httpmw.CSP(httpmw.PlaygroundCSP)(playground.Handler("Backbone", "/query")))
	}

	// Recover sits inside AccessLog and Metrics so that the 500 it writes is logged and
	// counted; BodyLimit is innermost so MaxBytesReader gets the server's own writer.
	h.handler = httpmw.Chain(
		httpmw.RequestID,
		httpmw.ClientIPContext(a.cfg.TrustedProxies),
		requestOrigin,
		httpmw.AccessLog(a.log),
		httpmw.Metrics(reg),
		httpmw.Recover(a.log),
		httpmw.TrustedHosts(a.cfg.TrustedHosts, "/healthz", "/livez", "/readyz"),
		httpmw.SecurityHeaders(httpmw.SecurityOptions{HSTSMaxAge: hstsMaxAge(a.cfg.IsProduction())}),
		cors,
		httpmw.BodyLimit(a.cfg.MaxBodyBytes),
	)(mux)
	return h, nil
}

// hstsMaxAge turns HSTS on in production, where TLS terminates in front of the server.
func hstsMaxAge(production bool) time.Duration {
	if production {
		return 365 * 24 * time.Hour
	}
	return 0
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
		ctx, cancel := context.WithCancel(wsgorilla.WithCloseCode(r.Context()))
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
