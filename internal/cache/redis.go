package cache

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/errs"
)

// redisCache keeps values in Redis under a key prefix, shared by every instance.
type redisCache struct {
	client *redis.Client
	prefix string
}

// NewRedis returns a cache in Redis whose keys all start with prefix (such as
// "backbone:cache:"), so that it shares a Redis database with other users. When Redis is
// unreachable every method fails with code UNAVAILABLE within the client's timeouts; see
// Cache for why a Get error is a miss. The caller owns and closes client.
func NewRedis(client *redis.Client, prefix string) Cache {
	return &redisCache{client: client, prefix: prefix}
}

// Get returns key's value; see Cache.
func (c *redisCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	val, err := c.client.Get(ctx, c.prefix+key).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		return nil, false, nil
	case err != nil:
		return nil, false, unavailable("cache.Get", err)
	}
	return val, true, nil
}

// Set stores val under key for ttl; see Cache.
func (c *redisCache) Set(ctx context.Context, key string, val []byte, ttl time.Duration) error {
	if ttl < 0 {
		ttl = 0 // go-redis reads -1 as KEEPTTL, which would keep an older expiry
	}
	if val == nil {
		val = []byte{}
	}
	return unavailable("cache.Set", c.client.Set(ctx, c.prefix+key, val, ttl).Err())
}

// Delete removes key; see Cache.
func (c *redisCache) Delete(ctx context.Context, key string) error {
	return unavailable("cache.Delete", c.client.Del(ctx, c.prefix+key).Err())
}

// Ping sends a Redis PING.
func (c *redisCache) Ping(ctx context.Context) error {
	return unavailable("cache.Ping", c.client.Ping(ctx).Err())
}

// unavailable codes a Redis failure; nil stays nil.
func unavailable(op string, err error) error {
	if err == nil {
		return nil
	}
	e := errs.E(errs.Unavailable, "cache unavailable")
	e.Op, e.Err = op, err
	return e
}
