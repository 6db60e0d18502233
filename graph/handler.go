package graph

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"go.opentelemetry.io/otel/trace"

	"backbone/graph/gqlhttp"
	"backbone/graph/gqlws"
	"backbone/internal/admission"
	"backbone/internal/httpmw"
	"backbone/internal/trusted"
)

// HandlerConfig configures the GraphQL endpoint.
type HandlerConfig struct {
	Resolver      *Resolver
	Introspection bool
	// Suggestions lets validation errors say "Did you mean ...?"; they name fields,
	// arguments, types and values, so they are for servers whose schema is public.
	Suggestions     bool
	ComplexityLimit int
	// DocumentLimits bound a document before it is validated (zero value: the defaults).
	DocumentLimits DocumentLimits
	MaxBodyBytes   int64
	// Queries gives queries over HTTP their turns to execute (nil: all at once); queries
	// over websockets and event streams, and mutations, do not wait for one.
	Queries *admission.Gate
	// PersistedQueries stores automatic persisted queries by hash (APQ); unused when
	// TrustedDocumentsOnly is set.
	PersistedQueries *APQCache
	// TrustedDocuments are the operations clients may run by id (documentId, or APQ's
	// sha256Hash); with TrustedDocumentsOnly, the only ones the server runs.
	TrustedDocuments     *trusted.Documents
	TrustedDocumentsOnly bool
	// CheckOrigin decides whether a websocket upgrade from a browser origin is allowed.
	CheckOrigin func(r *http.Request) bool
	// MaxConnsPerUser limits one user's open websockets and event streams (0: no limit).
	MaxConnsPerUser int
	// Connections limits websockets and event streams per address and in total.
	Connections gqlws.Limits
	// SendQueue is how many messages a slow websocket client may have waiting before it
	// is disconnected (0: the transport's default).
	SendQueue int
	// OnConnect is called for every authenticated websocket and event stream; release runs
	// at its close.
	OnConnect func(ctx context.Context) (release func())
	// Metrics receives the operation, cache and websocket transport metrics when set.
	Metrics prometheus.Registerer
	// Budgets charge every operation to its caller's rate budget; nil: no budgets.
	Budgets *RateBudgets
	// Handshakes limits the websocket upgrades one address may start (zero: no limit).
	Handshakes gqlws.HandshakeLimit
	// Tracer makes a span of every operation when set; nil adds nothing to a request.
	Tracer trace.TracerProvider
	// gqlgenPages leaves question pages to gqlgen (tests compare the two).
	gqlgenPages bool
}

// Handler is the GraphQL endpoint and its websocket server, which the HTTP server's
// shutdown must close (it does not close hijacked connections itself).
type Handler struct {
	*handler.Server
	Websockets *gqlws.Server
	// events is the event stream transport, which claims the plain HTTP requests that the
	// POST and GET transport does not serve.
	events eventStream
}

// ServeHTTP serves the endpoint; a plain HTTP request (not a websocket upgrade) gets the
// RateLimit headers of its operation's charge.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Upgrade") == "" {
		sink := headerSink(w.Header(), !h.events.Supports(r))
		if !httpmw.Attach(r.Context(), headerSinkKey{}, sink) {
			r = r.WithContext(context.WithValue(r.Context(), headerSinkKey{}, sink))
		}
	}
	h.Server.ServeHTTP(w, r)
}

// queryCacheSize bounds the parsed-document cache; parsing dominates small queries.
const queryCacheSize = 1000

// keepAliveInterval is how often idle websockets and event streams get a ping, so that
// proxies do not close them.
const keepAliveInterval = 15 * time.Second

// NewHandler builds the GraphQL endpoint: POST and GET per the GraphQL over HTTP spec,
// websockets (graphql-transport-ws and graphql-ws), server-sent events, with a query
// cache, trusted documents, APQ and a cost limit that counts page sizes.
func NewHandler(cfg HandlerConfig) *Handler {
	gqlCfg := Config{Resolvers: cfg.Resolver, Directives: directives()}
	pageCosts(&gqlCfg.Complexity, parsedSchema)
	listCosts(&gqlCfg.Complexity)
	schema := NewExecutableSchema(gqlCfg)
	srv := handler.New(schema)
	ws := gqlws.New(gqlws.Config{
		CheckOrigin:     cfg.CheckOrigin,
		InitFunc:        websocketInit(cfg.Resolver.Auth),
		InitTimeout:     10 * time.Second,
		KeepAlive:       keepAliveInterval,
		SendQueue:       cfg.SendQueue,
		MaxConnsPerUser: cfg.MaxConnsPerUser,
		UserKey:         connectionOwner,
		Limits:          cfg.Connections,
		ClientIP:        clientIP,
		RefuseAnonymous: !anonymousSubscriptions(schema.Schema()),
		OnConnect:       cfg.OnConnect,
		Handshakes:      cfg.Handshakes,
		Log:             cfg.Resolver.Log,
	})
	ops, lookups := registerMetrics(cfg.Metrics, ws, cfg.Resolver.Log)
	srv.AddTransport(ws)
	events := eventStream{SSE: transport.SSE{KeepAlivePingInterval: keepAliveInterval}, limits: ws, auth: cfg.Resolver.Auth,
		maxBody: cfg.MaxBodyBytes, onConnect: cfg.OnConnect}
	srv.AddTransport(events)
	// Last: it claims every non-upgrade request, to answer 405/406/415 itself.
	post := gqlhttp.Transport{MaxBodyBytes: cfg.MaxBodyBytes}
	if cfg.Queries != nil {
		post.AdmitQuery = cfg.Queries.Enter
	}
	var budget *rateBudget
	if cfg.Budgets != nil {
		b := newRateBudget(*cfg.Budgets, schema)
		budget, post.Charge = &b, b.chargeAccepted
	}
	srv.AddTransport(post)

	limits := cfg.DocumentLimits
	if limits == (DocumentLimits{}) {
		limits = DefaultDocumentLimits
	}
	parsed := lru.New[*ast.QueryDocument](queryCacheSize)
	srv.SetQueryCache(counted(lookups, "documents", parsed))
	srv.SetParserTokenLimit(limits.Tokens)
	srv.SetDisableSuggestion(!cfg.Suggestions)
	// Order matters: extensions run in the order they are used. Trusted documents first,
	// then APQ, so that the guard sees the query an id stands for (and, when only trusted
	// documents run, nothing else is parsed); the guard before the cost walk; the APQ
	// registration last, once everything has accepted the query.
	srv.Use(trustedDocuments{docs: cfg.TrustedDocuments, only: cfg.TrustedDocumentsOnly})
	apq := cfg.PersistedQueries
	if cfg.TrustedDocumentsOnly {
		apq = nil
	}
	if apq != nil {
		srv.Use(codedAPQ{extension.AutomaticPersistedQuery{Cache: counted[string](lookups, "apq", apq)}})
	}
	srv.Use(documentGuard{limits: limits, parsed: parsed})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	if cfg.ComplexityLimit > 0 {
		srv.Use(newCostLimit(cfg.ComplexityLimit))
	}
	// After the complexity limit, whose figure it charges; before the APQ registration,
	// so that an operation it refuses on a websocket or an event stream is not stored
	// (over POST and GET the transport has it charge later, once it accepts the operation).
	if budget != nil {
		srv.Use(*budget)
	}
	if apq != nil {
		srv.Use(apq)
	}
	if cfg.Tracer != nil {
		srv.Use(newOperationSpans(cfg.Tracer))
	}
	srv.AroundResponses(capErrors)
	srv.AroundResponses(noteOperation)
	if ops != nil {
		// Before requireWriteScope, so that the operations it refuses are counted too.
		srv.Use(ops)
	}
	srv.AroundOperations(requireWriteScope)
	srv.AroundOperations(operationLoaders(cfg.Resolver.Client, cfg.Resolver.sources()))
	if !cfg.gqlgenPages {
		srv.AroundFields(encodeQuestionPages)
	}
	if cfg.Resolver.Insight != nil && cfg.Resolver.Insight.Caches() {
		srv.AroundRootFields(renderedAnalytics(cfg.Resolver.Insight, schema.Schema()))
	}
	srv.SetErrorPresenter(presentError(cfg.Resolver.Log, cfg.Suggestions))
	srv.SetRecoverFunc(recoverPanic(cfg.Resolver.Log))
	return &Handler{Server: srv, Websockets: ws, events: events}
}

// registerMetrics adds the websocket transport's, the operations' and the caches'
// metrics to reg; nothing without one. A failed registration is logged and leaves that
// part unmeasured rather than failing the server.
func registerMetrics(reg prometheus.Registerer, ws *gqlws.Server, log *slog.Logger) (*operationMetrics, *cacheLookups) {
	if reg == nil {
		return nil, nil
	}
	if err := ws.Register(reg); err != nil {
		log.Warn("websocket metrics not registered", "err", err)
	}
	ops, err := newOperationMetrics(reg)
	if err != nil {
		log.Warn("GraphQL operation metrics not registered", "err", err)
	}
	lookups, err := newCacheLookups(reg)
	if err != nil {
		log.Warn("GraphQL cache metrics not registered", "err", err)
	}
	return ops, lookups
}
