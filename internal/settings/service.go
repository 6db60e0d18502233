package settings

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"backbone/ent"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/memo"
)

// DefaultTTL is how long Get serves settings from its cache. It bounds how stale an
// instance can be when it misses an invalidation on the bus.
const DefaultTTL = 5 * time.Second

// cacheKey is the settings' key and tag in their memo.
const cacheKey = "current"

// Deps are what the service is built from.
type Deps struct {
	DB *db.DB
	// Memo caches the settings and carries their invalidation to every instance (the
	// app's "settings" memo, on its bus and Redis); nil: one of its own on Bus.
	Memo *memo.Memo
	// Bus carries invalidations between instances when Memo is nil; nil means this
	// instance alone.
	Bus bus.Bus
	Log *slog.Logger
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// TTL is how long Get serves settings from its cache (default DefaultTTL).
	TTL time.Duration
}

// Service reads and changes the settings. It is safe for concurrent use.
type Service struct {
	db   *db.DB
	memo *memo.Memo
	log  *slog.Logger
	ttl  time.Duration
}

// New returns the settings service. A memo it makes itself (Deps.Memo nil) follows the
// bus until the process ends.
func New(d Deps, o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Memo == nil {
		d.Memo = memo.New(memo.Config{Name: "settings", Bus: d.Bus, Log: d.Log})
	}
	return &Service{db: d.DB, memo: d.Memo, log: d.Log, ttl: o.TTL}
}

// Get returns the current settings: the stored ones over the defaults, from the cache
// when read within the TTL. Errors: INTERNAL (database).
func (s *Service) Get(ctx context.Context) (Settings, error) {
	st, err := memo.Get(ctx, s.memo, cacheKey, s.ttl, func(ctx context.Context) (Settings, error) {
		return s.load(ctx, s.db.Client)
	}, cacheKey)
	return st, errs.Wrap("settings.Get", err)
}

// Invalidate drops the cached settings in every instance (in the others when the bus
// delivers it); one that misses it catches up within the TTL.
func (s *Service) Invalidate() {
	if err := s.memo.Invalidate(context.Background(), cacheKey); err != nil {
		s.log.Warn("settings change not broadcast; other instances catch up within the TTL", "err", err)
	}
}

// load reads the stored settings with c over the defaults: those of the newest version,
// or, before the first, the rows stored before settings were versioned. One row holds a
// version's number and values, so the two always agree. A stored value that no longer
// decodes is logged and left at its default rather than failing every caller.
func (s *Service) load(ctx context.Context, c *ent.Client) (Settings, error) {
	st := Defaults()
	stored := map[string]json.RawMessage{}
	latest, err := latestVersion(ctx, c)
	if err != nil {
		return Settings{}, err
	}
	if latest != nil {
		stored, st.Version, st.UpdatedAt = latest.Settings, latest.Version, latest.CreatedAt
	} else {
		rows, err := c.Setting.Query().All(db.System(ctx))
		if err != nil {
			return Settings{}, err
		}
		for _, r := range rows {
			stored[r.Key] = r.Value
			if r.UpdatedAt.After(st.UpdatedAt) {
				st.UpdatedAt = r.UpdatedAt
			}
		}
	}
	for _, sp := range specs {
		if raw, ok := stored[sp.key]; ok {
			if err := sp.decode(&st, raw); err != nil {
				s.log.ErrorContext(ctx, "stored setting does not decode; using the default", "key", sp.key, "err", err)
			}
		}
	}
	if err := Validate(st); err != nil {
		s.log.ErrorContext(ctx, "stored settings are inconsistent", "err", err)
	}
	return st, nil
}
