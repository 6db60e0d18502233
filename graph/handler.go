package graph

import (
	"context"
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
	// PersistedQueries stores automatic persisted queries by hash (APQ).
	PersistedQueries *APQCache
	// CheckOrigin decides whether a websocket upgrade from a browser origin is allowed.
	CheckOrigin func(r *http.Request) bool
	// MaxConnsPerUser limits one user's open websockets and event streams (0: no limit).
	MaxConnsPerUser int
	// Connections limits websockets and event streams per address and in total.
	Connections gqlws.Limits
	// SendQueue is how many messages a slow websocket client may have waiting before it
	// is disconnected (0: the transport's default).
	SendQueue int
	// OnConnect is called for every authenticated websocket; release runs at its close.
	OnConnect func(ctx context.Context) (release func())
	// Metrics receives the websocket transport's metrics when set.
	Metrics prometheus.Registerer
	// Tracer makes a span of every operation when set; nil adds nothing to a request.
	Tracer trace.TracerProvider
}

// Handler is the GraphQL endpoint and its websocket server, which the HTTP server's
// shutdown must close (it does not close hijacked connections itself).
type Handler struct {
	*handler.Server
	Websockets *gqlws.Server
}

// queryCacheSize bounds the parsed-document cache; parsing dominates small queries.
const queryCacheSize = 1000

// keepAliveInterval is how often idle websockets and event streams get a ping, so that
// proxies do not close them.
const keepAliveInterval = 15 * time.Second

// NewHandler builds the GraphQL endpoint: POST and GET per the GraphQL over HTTP spec,
// websockets (graphql-transport-ws and graphql-ws), server-sent events, with a query
// cache and APQ.
func NewHandler(cfg HandlerConfig) *Handler {
	schema := NewExecutableSchema(Config{Resolvers: cfg.Resolver, Directives: directives()})
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
		Log:             cfg.Resolver.Log,
	})
	if cfg.Metrics != nil {
		if err := ws.Register(cfg.Metrics); err != nil {
			cfg.Resolver.Log.Warn("websocket metrics not registered", "err", err)
		}
	}
	srv.AddTransport(ws)
	srv.AddTransport(eventStream{SSE: transport.SSE{KeepAlivePingInterval: keepAliveInterval}, limits: ws, auth: cfg.Resolver.Auth})
	// Last: it claims every non-upgrade request, to answer 405/406/415 itself.
	srv.AddTransport(gqlhttp.Transport{MaxBodyBytes: cfg.MaxBodyBytes})

	limits := cfg.DocumentLimits
	if limits == (DocumentLimits{}) {
		limits = DefaultDocumentLimits
	}
	parsed := lru.New[*ast.QueryDocument](queryCacheSize)
	srv.SetQueryCache(parsed)
	srv.SetParserTokenLimit(limits.Tokens)
	srv.SetDisableSuggestion(!cfg.Suggestions)
	// Order matters: extensions run in the order they are used. APQ first, so that the
	// guard sees the query a hash stands for; the guard before the complexity walk; the
	// APQ registration last, once everything has accepted the query.
	if cfg.PersistedQueries != nil {
		srv.Use(extension.AutomaticPersistedQuery{Cache: cfg.PersistedQueries})
	}
	srv.Use(documentGuard{limits: limits, parsed: parsed})
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.Use(noIntrospection{})
	}
	if cfg.ComplexityLimit > 0 {
		srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	}
	if cfg.PersistedQueries != nil {
		srv.Use(cfg.PersistedQueries)
	}
	if cfg.Tracer != nil {
		srv.Use(newOperationSpans(cfg.Tracer))
	}
	srv.AroundResponses(capErrors)
	srv.AroundResponses(noteOperation)
	srv.AroundOperations(requireWriteScope)
	srv.AroundOperations(operationLoaders(cfg.Resolver.Client, cfg.Resolver.sources()))
	srv.AroundFields(limitPageSize)
	srv.SetErrorPresenter(presentError(cfg.Resolver.Log, cfg.Suggestions))
	srv.SetRecoverFunc(recoverPanic(cfg.Resolver.Log))
	return &Handler{Server: srv, Websockets: ws}
}
