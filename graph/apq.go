package graph

import (
	"context"
	"log/slog"
	"time"

	"backbone/internal/cache"
)

// PersistedQueryCache adapts the process cache (in-process or Redis) to gqlgen's APQ store.
// A cache outage is a miss: the client then sends the full query, so nothing fails.
func PersistedQueryCache(c cache.Cache, ttl time.Duration, log *slog.Logger) *APQCache {
	return &APQCache{cache: c, ttl: ttl, log: log}
}

// APQCache stores automatic persisted queries by their SHA-256 hash.
type APQCache struct {
	cache cache.Cache
	ttl   time.Duration
	log   *slog.Logger
}

const apqPrefix = "apq:"

// Get returns the query registered under hash.
func (a *APQCache) Get(ctx context.Context, hash string) (string, bool) {
	b, ok, err := a.cache.Get(ctx, apqPrefix+hash)
	if err != nil {
		a.log.WarnContext(ctx, "persisted query cache unavailable", "err", err)
		return "", false
	}
	return string(b), ok
}

// Add registers query under hash.
func (a *APQCache) Add(ctx context.Context, hash, query string) {
	if err := a.cache.Set(ctx, apqPrefix+hash, []byte(query), a.ttl); err != nil {
		a.log.WarnContext(ctx, "persisted query not stored", "err", err)
	}
}
