package cache

import (
	"context"
	"slices"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// entry is a value and its expiry (zero: none).
type entry struct {
	val     []byte
	expires time.Time
}

// memoryCache is a bounded LRU whose entries expire lazily: an expired entry is a miss
// and is removed when read, or evicted as the least recently used.
type memoryCache struct {
	lru *lru.Cache[string, entry]
}

// NewMemory returns an in-process cache holding at most maxEntries keys (at least 1); past
// that the least recently used key is evicted.
func NewMemory(maxEntries int) Cache {
	if maxEntries < 1 {
		maxEntries = 1
	}
	l, err := lru.New[string, entry](maxEntries)
	if err != nil {
		panic(err) // only for a size < 1, excluded above
	}
	return &memoryCache{lru: l}
}

// Get returns a copy of key's value; see Cache.
func (c *memoryCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	e, ok := c.lru.Get(key)
	if !ok {
		return nil, false, nil
	}
	if !e.expires.IsZero() && !time.Now().Before(e.expires) {
		c.lru.Remove(key)
		return nil, false, nil
	}
	return slices.Clone(e.val), true, nil
}

// Set stores a copy of val; see Cache.
func (c *memoryCache) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e := entry{val: slices.Clone(val)}
	if e.val == nil {
		e.val = []byte{}
	}
	if ttl > 0 {
		e.expires = time.Now().Add(ttl)
	}
	c.lru.Add(key, e)
	return nil
}

// Delete removes key; see Cache.
func (c *memoryCache) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.lru.Remove(key)
	return nil
}

// Ping is always nil: the memory cache has nothing that can fail.
func (c *memoryCache) Ping(context.Context) error { return nil }
