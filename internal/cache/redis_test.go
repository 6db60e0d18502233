package cache_test

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"backbone/internal/cache"
	"backbone/internal/cache/cachetest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

func TestRedisContract(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	cachetest.Run(t, func(t *testing.T) cache.Cache {
		return cache.NewRedis(client, testenv.RandomName("cachetest:")+":")
	})
}

func TestRedisKeepsKeysUnderPrefix(t *testing.T) {
	t.Parallel()
	client := newClient(t)
	prefix := testenv.RandomName("cachetest:") + ":"
	c := cache.NewRedis(client, prefix)
	cachetest.MustSet(t, c, "k", "v", time.Minute)
	got, err := client.Get(context.Background(), prefix+"k").Result()
	if err != nil || got != "v" {
		t.Fatalf("raw GET %sk = %q, %v; want v", prefix, got, err)
	}
	ttl, err := client.TTL(context.Background(), prefix+"k").Result()
	if err != nil || ttl <= 0 || ttl > time.Minute {
		t.Fatalf("TTL = %s, %v; want within a minute", ttl, err)
	}
}

func TestRedisUnreachableIsAnError(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	client := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: time.Second, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	c := cache.NewRedis(client, "x:")
	ctx := context.Background()
	v, ok, err := c.Get(ctx, "k")
	if errs.CodeOf(err) != errs.Unavailable || ok || v != nil {
		t.Fatalf("Get = %q, %v, %v; want a miss with UNAVAILABLE", v, ok, err)
	}
	for name, err := range map[string]error{
		"Set":    c.Set(ctx, "k", []byte("v"), time.Minute),
		"Delete": c.Delete(ctx, "k"),
		"Ping":   c.Ping(ctx),
	} {
		if errs.CodeOf(err) != errs.Unavailable {
			t.Errorf("%s err = %v, want UNAVAILABLE", name, err)
		}
	}
}

func newClient(t *testing.T) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(testenv.NeedRedis(t))
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}
