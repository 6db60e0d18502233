package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"backbone/server/playground"

	"backbone/graph"
	"backbone/graph/gqlws"
	"backbone/internal/admission"
	"backbone/internal/deadjobs"
	"backbone/internal/health"
	"backbone/internal/httpmw"
	"backbone/internal/ratelimit"
	"backbone/workers"
)

// httpApp is the HTTP face of the process: routes, middleware, and the websocket server
// that shutdown closes.
type httpApp struct {
	handler http.Handler
	// ops serves /metrics and /health/detailed on METRICS_ADDR; nil when they are on
	// the public handler or not served.
	ops        http.Handler
	health     *health.Checker
	websockets *gqlws.Server
}

// Automatic persisted queries: how long one stays registered, how long it may be, and
// how many one client IP may register.
const (
	persistedQueryTTL      = 24 * time.Hour
	persistedQueryMaxBytes = 32 << 10
)

var persistedQueriesPerIP = ratelimit.PerHour(100)

func newHTTP(a *app) (*httpApp, error) {
	h := &httpApp{health: health.New(a.log, a.healthChecks()...).WithIndicators(a.healthIndicators()...)}

	reg := a.metrics

	resolver := &graph.Resolver{
		Client:    a.db.Client,
		Auth:      a.auth,
		Profiles:  a.accounts,
		Ledger:    a.wallet,
		Market:    a.settings,
		Lifecycle: a.questions,
		Jobs:      deadjobs.New(a.queue, a.db.Client, workers.Topics(a.workerDeps())),
		Notify:    a.notify,
		Live:      a.live,
		Insight:   a.analytics,
		Log:       a.log,
		Info:      a.serverInfo(),
	}
	trustedDocs, err := loadTrustedDocuments(a.cfg, a.log)
	if err != nil {
		return nil, err
	}
	gql := graph.NewHandler(graph.HandlerConfig{
		Resolver:        resolver,
		Introspection:   a.cfg.Introspection,
		Suggestions:     a.cfg.Introspection && !a.cfg.IsProduction(),
		ComplexityLimit: a.cfg.ComplexityLimit,
		MaxBodyBytes:    a.cfg.MaxBodyBytes,
		Queries:         admission.New(a.cfg.MaxConcurrentQueries, a.cfg.QueryQueueTimeout, reg),
		PersistedQueries: graph.PersistedQueryCache(graph.PersistedQueryConfig{
			Cache: a.cache, TTL: persistedQueryTTL, MaxBytes: persistedQueryMaxBytes,
			Limiter: a.rateLimiter(), PerIP: persistedQueriesPerIP, Log: a.log,
		}),
		TrustedDocuments:     trustedDocs,
		TrustedDocumentsOnly: a.cfg.PersistedOperationsOnly,
		CheckOrigin:          gqlws.AllowOrigins(a.cfg.CORSOrigins...),
		MaxConnsPerUser:      a.cfg.WSMaxConnsPerUser,
		Connections:          connectionLimits(a.cfg, a.log),
		SendQueue:            a.cfg.WSSendQueue,
		Metrics:              reg,
		OnConnect:            a.live.Track,
		Budgets:              a.rateBudgets(),
		Handshakes:           a.handshakeLimit(),
		Tracer:               a.tracer(),
	})
	h.websockets = gql.Websockets
	cors, err := httpmw.CORS(a.cfg.CORSOrigins, httpmw.CORSOptions{AllowWildcard: !a.cfg.IsProduction()})
	if err != nil {
		return nil, fmt.Errorf("CORS_ORIGINS: %w", err)
	}

	mux := http.NewServeMux()
	route := func(pattern, name string, h http.Handler) { mux.Handle(pattern, httpmw.Route(name)(h)) }
	// The operations make their loaders (graph.operationLoaders), on first use.
	route("/query", "query", graph.Authenticate(a.auth)(gql))
	route("GET /healthz", "healthz", http.HandlerFunc(h.health.Healthz))
	route("GET /livez", "livez", http.HandlerFunc(h.health.Livez))
	route("GET /readyz", "readyz", http.HandlerFunc(h.health.Readyz))
	switch operatorPlacement(a.cfg) {
	case opsOnPublic:
		operatorRoutes(mux, a.cfg, h.health, reg)
	case opsOwnListener:
		h.ops = operatorHandler(a.cfg, h.health, reg, a.log)
	case opsOff:
		a.log.Warn("/metrics and /health/detailed are not served: in production set METRICS_ADDR (a listener of their own) or METRICS_TOKEN")
	}
	unsubscribe := httpmw.CSP(unsubscribeCSP)(unsubscribeHandler(a.unsubscribe, a.log))
	route("GET /unsubscribe", "unsubscribe", unsubscribe)
	route("POST /unsubscribe", "unsubscribe", unsubscribe)
	if wh := a.paymentWebhook(); wh != nil {
		route("POST /webhooks/payments", "payment_webhook", wh)
	}
	if wh := a.stripeWebhook(); wh != nil {
		route("POST /webhooks/stripe", "stripe_webhook", wh)
	}
	if a.cfg.Playground {
		route("GET /{$}", "playground", httpmw.CSP(httpmw.PlaygroundCSP)(playground.Handler("Backbone", "/query")))
		route("GET "+playground.AssetPrefix, "playground_assets", playground.Assets())
	}

	// Recover sits inside AccessLog and Metrics so that the 500 it writes is logged and
	// counted; BodyLimit is innermost so MaxBytesReader gets the server's own writer.
	mws := []httpmw.Middleware{
		httpmw.RequestID,
		httpmw.ClientIPContext(a.cfg.TrustedProxies),
		httpmw.AccessLog(a.log),
		httpmw.Metrics(reg),
		requestOrigin, // after the three above, which fill in the request's state without a context layer each
		httpmw.Recover(a.log),
		httpmw.TrustedHosts(a.cfg.TrustedHosts, "/healthz", "/livez", "/readyz"),
		httpmw.SecurityHeaders(httpmw.SecurityOptions{HSTSMaxAge: hstsMaxAge(a.cfg.IsProduction())}),
		cors,
		httpmw.BodyLimit(a.cfg.MaxBodyBytes),
	}
	if tp := a.tracer(); tp != nil {
		mws = slices.Insert(mws, 0, httpmw.Trace(tp)) // outermost: the span covers it all
	}
	h.handler = httpmw.Chain(mws...)(mux)
	return h, nil
}

// hstsMaxAge turns HSTS on in production, where TLS terminates in front of the server.
func hstsMaxAge(production bool) time.Duration {
	if production {
		return 365 * 24 * time.Hour
	}
	return 0
}

// closeWebsockets closes every open websocket with 1001 (going away), and ends the event
// streams: the HTTP server's Shutdown does not close hijacked connections, and waits for
// a stream until it ends.
func (h *httpApp) closeWebsockets() { go h.websockets.Shutdown(context.Background()) }

// waitWebsockets waits until the websockets have closed, or ctx ends.
func (h *httpApp) waitWebsockets(ctx context.Context) { h.websockets.Shutdown(ctx) }
