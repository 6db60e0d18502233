package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
)

// cacheLookups counts the lookups of the GraphQL endpoint's two caches:
// graphql_cache_lookups_total{cache="documents"|"apq", result="hit"|"miss"}. Other caches
// count their own.
type cacheLookups struct{ vec *prometheus.CounterVec }

func newCacheLookups(reg prometheus.Registerer) (*cacheLookups, error) {
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "graphql_cache_lookups_total",
		Help: "Lookups in the parsed-document cache (documents) and the automatic persisted query store (apq), by result (hit, miss).",
	}, []string{"cache", "result"})
	if err := reg.Register(vec); err != nil {
		return nil, err
	}
	return &cacheLookups{vec: vec}, nil
}

// counted returns a cache that counts c's Get results under name. The counters are
// resolved once, so a lookup costs one atomic add.
func counted[T any](l *cacheLookups, name string, c graphql.Cache[T]) graphql.Cache[T] {
	if l == nil {
		return c
	}
	return countedCache[T]{Cache: c, hit: l.vec.WithLabelValues(name, "hit"), miss: l.vec.WithLabelValues(name, "miss")}
}

type countedCache[T any] struct {
	graphql.Cache[T]
	hit, miss prometheus.Counter
}

func (c countedCache[T]) Get(ctx context.Context, key string) (T, bool) {
	v, ok := c.Cache.Get(ctx, key)
	if ok {
		c.hit.Inc()
	} else {
		c.miss.Inc()
	}
	return v, ok
}
