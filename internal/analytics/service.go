// Package analytics keeps the admins' marketplace figures: daily rollups maintained from
// the lifecycle and ledger events (consume.go), rebuilt from the base tables on demand
// (rebuild.go), and read as time series, per-subject breakdowns and an expert
// leaderboard (query.go) without touching the base tables.
package analytics

import (
	"context"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/privacy"

	"backbone/internal/db"
)

// Service reads and maintains the rollups.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// New returns the service over d.
func New(d *db.DB) *Service {
	return &Service{db: d, now: time.Now}
}

// system marks ctx as the service's own access: the rollup tables are read by no one
// else, and the callers are authorized by the service.
func system(ctx context.Context) context.Context {
	return privacy.DecisionContext(ctx, privacy.Allow)
}

// postgres reports whether rows can be locked (FOR UPDATE): a SQLite transaction already
// holds the database's write lock.
func (s *Service) postgres() bool { return s.db.Dialect == dialect.Postgres }

// placeholder is the n-th bind parameter in the database's syntax.
func (s *Service) placeholder(n int) string {
	if s.postgres() {
		return "$" + strconv.Itoa(n)
	}
	return "?"
}
