package settings

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"backbone/ent"
	"backbone/ent/privacy"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// Topic is the bus topic on which an update tells every instance to drop its cache.
const Topic = "settings.changed"

// DefaultTTL is how long Get serves settings from memory. It bounds how stale an
// instance can be when it misses an invalidation on the bus.
const DefaultTTL = 5 * time.Second

// loadTimeout bounds a shared load from the database.
const loadTimeout = 10 * time.Second

// Deps are what the service is built from.
type Deps struct {
	DB *db.DB
	// Bus carries invalidations between instances; nil means this instance alone.
	Bus bus.Bus
	Log *slog.Logger
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// TTL is how long Get serves settings from memory (default DefaultTTL).
	TTL time.Duration
}

// Service reads and changes the settings. It is safe for concurrent use.
type Service struct {
	db  *db.DB
	bus bus.Bus
	log *slog.Logger
	ttl time.Duration

	loads singleflight.Group
	mu    sync.Mutex
	cache *Settings
	until time.Time
	gen   uint64 // bumped by every invalidation, so a load that raced one is not kept
}

// New returns the settings service. Call Run to follow other instances' updates.
func New(d Deps, o Options) *Service {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.Bus == nil {
		d.Bus = bus.NewMemory()
	}
	return &Service{db: d.DB, bus: d.Bus, log: d.Log, ttl: o.TTL}
}

// Get returns the current settings: the stored ones over the defaults, from memory when
// read within the TTL. Errors: INTERNAL (database).
func (s *Service) Get(ctx context.Context) (Settings, error) {
	s.mu.Lock()
	if s.cache != nil && time.Now().Before(s.until) {
		c := s.cache.clone()
		s.mu.Unlock()
		return c, nil
	}
	gen := s.gen
	s.mu.Unlock()

	v, err, _ := s.loads.Do(strconv.FormatUint(gen, 10), func() (any, error) {
		// Shared by every caller waiting: one caller's cancellation must not fail the others.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), loadTimeout)
		defer cancel()
		st, err := s.load(lctx, s.db.Client)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		if s.gen == gen {
			s.cache, s.until = &st, time.Now().Add(s.ttl)
		}
		s.mu.Unlock()
		return st, nil
	})
	if err != nil {
		return Settings{}, errs.Wrap("settings.Get", err)
	}
	return v.(Settings).clone(), nil
}

// Invalidate drops this instance's cached settings.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.gen++
	s.cache = nil
	s.mu.Unlock()
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
		rows, err := c.Setting.Query().All(privacy.DecisionContext(ctx, privacy.Allow))
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

// Run drops the cache whenever another instance publishes an update, until ctx ends. It
// resubscribes when the bus drops it; the TTL covers what it misses meanwhile.
func (s *Service) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		sub, err := s.bus.Subscribe(ctx, Topic)
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		// Something may have changed while we were not subscribed.
		s.Invalidate()
		for range sub.C() {
			s.Invalidate()
		}
		sub.Close()
	}
	return nil
}
