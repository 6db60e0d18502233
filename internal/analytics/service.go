// Package analytics keeps the admins' marketplace figures: daily rollups maintained from
// the lifecycle and ledger events (consume.go), rebuilt from the base tables on demand
// (rebuild.go), and read as time series, per-subject breakdowns and an expert
// leaderboard (query.go) without touching the base tables.
package analytics

import (
	"context"
	"time"

	"backbone/internal/db"
	"backbone/internal/memo"
)

// Service reads and maintains the rollups.
type Service struct {
	db   *db.DB
	memo *memo.Memo
}

// New returns the service over d, its reads cached in m (nil: uncached).
func New(d *db.DB, m *memo.Memo) *Service {
	return &Service{db: d, memo: m}
}

// CacheTTL is how long a read is served from the memo. The rollups change with every
// question and ledger event, so entries are not dropped per event (under steady activity
// nothing would stay cached): the figures may trail the rollups by this much. A rebuild
// drops them all.
const CacheTTL = 10 * time.Second

// cacheTag tags every cached read, for the rebuild's invalidation.
const cacheTag = "rollups"

// cached returns key's value from m, computed by load on a miss. The value is shared
// with every other reader of key in this process (a year of points is decoded once, not
// at every request): the service and its callers only read it.
func cached[T any](ctx context.Context, m *memo.Memo, key string, load func(context.Context) (T, error)) (T, error) {
	if m == nil {
		return load(ctx)
	}
	return memo.View(ctx, m, key, CacheTTL, load, cacheTag)
}
