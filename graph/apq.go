package graph

import (
	"context"
	"log/slog"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/internal/cache"
	"backbone/internal/errs"
	"backbone/internal/httpmw"
	"backbone/internal/ratelimit"
)

// PersistedQueryConfig says where automatic persisted queries live and how many a
// client may register.
type PersistedQueryConfig struct {
	Cache cache.Cache
	TTL   time.Duration
	// MaxBytes bounds a registered query; a longer one runs but is not stored.
	MaxBytes int
	// Limiter and PerIP bound registrations per client IP; past the limit a query runs
	// but is not stored.
	Limiter ratelimit.Limiter
	PerIP   ratelimit.Limit
	Log     *slog.Logger
}

// PersistedQueryCache adapts the process cache (in-process or Redis) to gqlgen's APQ
// extension, which looks queries up by hash and checks the hash of a query sent with one.
// A cache outage is a miss: the client then sends the full query, so nothing fails.
func PersistedQueryCache(cfg PersistedQueryConfig) *APQCache { return &APQCache{cfg: cfg} }

// APQCache stores automatic persisted queries by their SHA-256 hash. It registers a query
// only after gqlgen has parsed and validated it and the complexity limit has passed it
// (it is also an operation context mutator, to be used after those), so that the store
// holds nothing but bounded, valid operations: not free storage for anyone.
type APQCache struct{ cfg PersistedQueryConfig }

var _ interface {
	graphql.Cache[string]
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*APQCache)(nil)

const apqPrefix = "apq:"

// Get returns the query registered under hash.
func (a *APQCache) Get(ctx context.Context, hash string) (string, bool) {
	b, ok, err := a.cfg.Cache.Get(ctx, apqPrefix+hash)
	if err != nil {
		a.cfg.Log.WarnContext(ctx, "persisted query cache unavailable", "err", err)
		return "", false
	}
	return string(b), ok
}

// Add stores nothing: gqlgen's extension calls it before the query is even parsed.
// MutateOperationContext registers the query once it has passed validation.
func (a *APQCache) Add(context.Context, string, string) {}

func (a *APQCache) ExtensionName() string                   { return "PersistedQueryRegistration" }
func (a *APQCache) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext registers a query its client sent with its hash, now that it has
// passed validation, unless it is too long or its client has registered too many.
func (a *APQCache) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	stats := extension.GetApqStats(ctx)
	if stats == nil || !stats.SentQuery || len(opCtx.RawQuery) > a.cfg.MaxBytes {
		return nil
	}
	if err := ratelimit.Check(ctx, a.cfg.Log, a.cfg.Limiter, "apq:ip:"+ratelimit.AddressKey(httpmw.ClientIPFrom(ctx)), a.cfg.PerIP); err != nil {
		return nil // the query still runs; its client sends it in full next time too
	}
	if err := a.cfg.Cache.Set(ctx, apqPrefix+stats.Hash, []byte(opCtx.RawQuery), a.cfg.TTL); err != nil {
		a.cfg.Log.WarnContext(ctx, "persisted query not stored", "err", err)
	}
	return nil
}

// codedAPQ is gqlgen's APQ extension with a code on each of its refusals: only its
// PERSISTED_QUERY_NOT_FOUND carries one, and errors raised before the operation exists
// never reach the error presenter. A malformed or mismatched persistedQuery extension is
// BAD_REQUEST, as the transport's other malformed parameters are.
type codedAPQ struct {
	extension.AutomaticPersistedQuery
}

func (a codedAPQ) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	// gqlgen looks any hash up, so a missing or malformed one would answer
	// PERSISTED_QUERY_NOT_FOUND, and the client would send the query for nothing.
	if pq, ok := p.Extensions["persistedQuery"].(map[string]any); ok {
		if h, _ := pq["sha256Hash"].(string); !isSHA256Hex(h) {
			return &gqlerror.Error{Message: "persistedQuery.sha256Hash must be the query's SHA-256 hash, 64 lowercase hex digits",
				Extensions: map[string]any{"code": string(errs.BadRequest)}}
		}
	}
	err := a.AutomaticPersistedQuery.MutateOperationParameters(ctx, p)
	if err != nil && err.Extensions["code"] == nil {
		if err.Extensions == nil {
			err.Extensions = map[string]any{}
		}
		err.Extensions["code"] = string(errs.BadRequest)
	}
	return err
}

// isSHA256Hex reports whether h is a SHA-256 hash as APQ clients send it: 64 lowercase
// hex digits.
func isSHA256Hex(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
