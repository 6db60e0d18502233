// Package memo is Backbone's get-or-compute cache: Get returns the value cached under a
// key, or runs the loader once for every caller that misses it at the same time, and
// keeps the result for a time to live.
//
// Values are stored encoded (JSON), so every caller of Get gets its own copy and the two
// backends behave the same: every instance keeps values in an in-process LRU, and with a
// shared store (the Redis cache, when REDIS_URL is set) a value one instance loaded is
// kept there for the others too. View is Get for callers that only read: an instance
// decodes a value once and hands every caller the same one.
//
// Entries carry tags. Invalidate(tags...) drops every entry carrying one of them: at
// once in this process and in the shared store, and in the other instances when the
// message reaches them over the bus (at most once: a lost message leaves their copy until
// its TTL ends; a gap the bus reports drops every in-process entry). Follow drops the
// tags named by messages that already reach every instance (the lifecycle's events),
// without a message of its own.
//
// A loader that started before an invalidation cannot keep its stale result: each tag
// has a version (a counter in process, a random token in the shared store), an entry is
// stored under the versions read before its loader ran, and invalidating a tag changes
// its version, so later reads look under another key. Loader errors are not cached; an
// unreachable shared store is skipped (logged), never an error.
//
// One Memo per kind of value (its name labels the metrics); a key always comes with the
// same tags:
//
//	stats, err := memo.Get(ctx, m, id+"|"+period, 30*time.Second,
//		func(ctx context.Context) (Stats, error) { return compute(ctx, id, period) },
//		"expert:"+id)
//	...
//	err = m.Invalidate(ctx, "expert:"+id) // after the change has committed
package memo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"backbone/internal/bus"
	"backbone/internal/cache"
)

// Defaults of Config.
const (
	DefaultLocalEntries = 10_000
	DefaultLoadTimeout  = 30 * time.Second
)

// Config builds a Memo.
type Config struct {
	// Name names the kind of value: the "cache" label of the metrics, and part of the
	// shared keys and of the bus topic. Short, lower case, such as "settings".
	Name string
	// Shared is the store every instance shares (the Redis cache); nil keeps values
	// in this process only.
	Shared cache.Cache
	// Bus carries invalidations to the other instances; nil: a memory bus of its own
	// (this process alone).
	Bus bus.Bus
	// Metrics counts hits and misses; nil counts nothing.
	Metrics *Metrics
	Log     *slog.Logger
	// LocalEntries bounds the in-process entries (default DefaultLocalEntries).
	LocalEntries int
	// LoadTimeout bounds a loader, which runs detached from its callers' cancellation
	// since every waiting caller shares it (default DefaultLoadTimeout).
	LoadTimeout time.Duration
}

// Memo is one named get-or-compute cache; see the package documentation. Safe for
// concurrent use. Close it when done.
type Memo struct {
	name        string
	local       *local
	shared      cache.Cache
	bus         bus.Bus
	metrics     *Metrics
	log         *slog.Logger
	loadTimeout time.Duration
	origin      string // tells this instance's invalidation messages from others'

	versions *versions
	flights  singleflight.Group

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a Memo and starts following invalidations on the bus; when the first
// subscription fails it keeps retrying in the background (the TTL bounds what is
// missed meanwhile).
func New(c Config) *Memo {
	if c.LocalEntries <= 0 {
		c.LocalEntries = DefaultLocalEntries
	}
	if c.LoadTimeout <= 0 {
		c.LoadTimeout = DefaultLoadTimeout
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Bus == nil {
		c.Bus = bus.NewMemory()
	}
	ctx, cancel := context.WithCancel(context.Background())
	m := &Memo{
		name: c.Name, local: newLocal(c.LocalEntries), shared: c.Shared, bus: c.Bus,
		metrics: c.Metrics, log: c.Log.With("memo", c.Name), loadTimeout: c.LoadTimeout,
		origin: token(), versions: newVersions(c.LocalEntries), ctx: ctx, cancel: cancel,
	}
	m.follow(m.topic(), m.received)
	return m
}

// Close stops following the bus. The Memo still answers Get afterwards, without hearing
// other instances' invalidations. Closing twice is harmless.
func (m *Memo) Close() error {
	m.cancel()
	m.wg.Wait()
	return nil
}

// topic is the bus topic of this Memo's invalidations.
func (m *Memo) topic() string { return "memo." + m.name }

// token returns a random hex string, never reused: a shared tag version or an origin.
func token() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
