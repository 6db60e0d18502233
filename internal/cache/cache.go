// Package cache is Backbone's key-value cache (persisted queries, short-lived auth
// state), with an in-process LRU and a Redis implementation.
package cache

import (
	"context"
	"time"
)

// Cache stores byte values by key with a time to live. Values are copied in and out, so
// callers may reuse their slices. All methods are safe for concurrent use.
//
// A cache is never the source of truth: an error from Get means "unknown", and callers
// treat it as a miss (log it, then take the slow path). Errors from the Redis cache have
// code UNAVAILABLE and come back within the client's timeouts.
type Cache interface {
	// Get returns the value of key; ok is false when the key is absent or expired.
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	// Set stores val under key for ttl; ttl <= 0 keeps it until it is deleted or
	// evicted.
	Set(ctx context.Context, key string, val []byte, ttl time.Duration) error
	// Delete removes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
	// Ping reports whether the cache can serve: always nil in memory.
	Ping(ctx context.Context) error
}
