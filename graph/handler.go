package graph

import (
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/graph/gqlhttp"
	"backbone/graph/wsgorilla"
)

// HandlerConfig configures the GraphQL endpoint.
type HandlerConfig struct {
	Resolver        *Resolver
	Introspection   bool
	ComplexityLimit int
	MaxBodyBytes    int64
	// PersistedQueries stores automatic persisted queries by hash (APQ).
	PersistedQueries graphql.Cache[string]
	// CheckOrigin decides whether a websocket upgrade from a browser origin is allowed.
	CheckOrigin func(r *http.Request) bool
}

// queryCacheSize bounds the parsed-document cache; parsing dominates small queries.
const queryCacheSize = 1000

// NewHandler builds the GraphQL endpoint: POST and GET per the GraphQL over HTTP spec,
// websockets (graphql-transport-ws and graphql-ws), with a query cache and APQ.
func NewHandler(cfg HandlerConfig) *handler.Server {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: cfg.Resolver, Directives: directives()}))
	srv.AddTransport(transport.Websocket{
		Implementation:        wsgorilla.New(cfg.CheckOrigin),
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc:              websocketInit(cfg.Resolver.Auth),
	})
	// Last: it claims every non-upgrade request, to answer 405/406/415 itself.
	srv.AddTransport(gqlhttp.Transport{MaxBodyBytes: cfg.MaxBodyBytes})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](queryCacheSize))
	if cfg.PersistedQueries != nil {
		srv.Use(extension.AutomaticPersistedQuery{Cache: cfg.PersistedQueries})
	}
	if cfg.Introspection {
		srv.Use(extension.Introspection{})
	}
	if cfg.ComplexityLimit > 0 {
		srv.Use(extension.FixedComplexityLimit(cfg.ComplexityLimit))
	}
	srv.AroundOperations(requireWriteScope)
	srv.AroundOperations(operationLoaders(cfg.Resolver.Client, cfg.Resolver.revisionsFor))
	srv.AroundFields(limitPageSize)
	srv.SetErrorPresenter(presentError(cfg.Resolver.Log))
	srv.SetRecoverFunc(recoverPanic(cfg.Resolver.Log))
	return srv
}
