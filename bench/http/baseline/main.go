// Command baseline is the bare gqlgen server the request bench (bench/http) compares
// Backbone with: the same gqlgen version and query cache, a schema of one field, `me`,
// read by primary key through lib/pq for the user a verified bearer token names. No
// middleware, no metrics, no per-request logging. Settings: ADDR, DATABASE_URL,
// JWT_SECRET, JWT_ISSUER, JWT_AUDIENCE.
package main

import (
	"context"
	"database/sql"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	_ "github.com/lib/pq" // the driver Backbone uses
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/internal/auth/token"
)

// The pool Backbone opens (internal/db), its idle connections kept.
const poolSize = 20

type bearerKey struct{}

func main() {
	db, err := sql.Open("postgres", os.Getenv("DATABASE_URL"))
	if err != nil {
		log.Fatal(err)
	}
	db.SetMaxOpenConns(poolSize)
	db.SetMaxIdleConns(poolSize)
	keys, err := token.FromSecret(os.Getenv("JWT_SECRET"))
	if err != nil {
		log.Fatal(err)
	}
	tokens := &token.Issuer{Keys: keys, Issuer: os.Getenv("JWT_ISSUER"), Audience: os.Getenv("JWT_AUDIENCE"), TTL: time.Hour}

	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{DB: db, Tokens: tokens}}))
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000)) // Backbone's size (graph.queryCacheSize)

	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.PingContext(r.Context()); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
		}
	})
	mux.Handle("POST /graphql", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			r = r.WithContext(context.WithValue(r.Context(), bearerKey{}, raw))
		}
		srv.ServeHTTP(w, r)
	}))
	s := &http.Server{Addr: os.Getenv("ADDR"), Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(s.ListenAndServe())
}
