// Package redisconn opens the go-redis client that the Redis adapters (bus, cache) share.
package redisconn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/redis/go-redis/v9"

	"backbone/internal/errs"
)

// DefaultConnectTimeout is how long Open keeps retrying the first PING.
const DefaultConnectTimeout = 30 * time.Second

// Option adjusts Open.
type Option func(*options)

type options struct {
	connectTimeout time.Duration
	initialBackoff time.Duration
}

// WithConnectTimeout sets how long Open retries before it gives up (default 30 s).
func WithConnectTimeout(d time.Duration) Option { return func(o *options) { o.connectTimeout = d } }

// WithInitialBackoff sets the first wait between attempts (default 200 ms); it grows
// exponentially with jitter up to 5 s.
func WithInitialBackoff(d time.Duration) Option { return func(o *options) { o.initialBackoff = d } }

// Open parses url (redis:// or rediss://, as go-redis's ParseURL accepts), creates the
// client and PINGs it, retrying with exponential backoff and jitter until the connect
// timeout passes or ctx ends. A bad URL fails at once with code BAD_USER_INPUT; a server
// that never answers fails with UNAVAILABLE. Once open, go-redis reconnects by itself
// after runtime outages. The caller closes the client.
func Open(ctx context.Context, rawURL string, log *slog.Logger, opts ...Option) (*redis.Client, error) {
	const op = "redisconn.Open"
	o := options{connectTimeout: DefaultConnectTimeout, initialBackoff: 200 * time.Millisecond}
	for _, opt := range opts {
		opt(&o)
	}
	ro, err := redis.ParseURL(rawURL)
	if err != nil {
		e := errs.Ef(errs.BadUserInput, "invalid Redis URL %s", redact(rawURL))
		e.Op, e.Err = op, stripURL(err)
		return nil, e
	}
	applyDefaults(ro)
	client := redis.NewClient(ro)

	b := backoff.NewExponentialBackOff()
	b.InitialInterval = o.initialBackoff
	b.MaxInterval = 5 * time.Second
	attempt := 0
	_, err = backoff.Retry(ctx, func() (struct{}, error) {
		attempt++
		pctx, cancel := context.WithTimeout(ctx, ro.DialTimeout+ro.ReadTimeout)
		defer cancel()
		return struct{}{}, client.Ping(pctx).Err()
	},
		backoff.WithBackOff(b),
		backoff.WithMaxElapsedTime(o.connectTimeout),
		backoff.WithNotify(func(err error, next time.Duration) {
			log.Warn("redis not ready, retrying", "addr", ro.Addr, "attempt", attempt,
				"retry_in", next.Round(time.Millisecond), "timeout", o.connectTimeout, "err", err)
		}),
	)
	if err != nil {
		_ = client.Close()
		e := errs.Ef(errs.Unavailable, "redis at %s unreachable after %d attempts", ro.Addr, attempt)
		e.Op, e.Err = op, err
		return nil, e
	}
	log.Info("redis connected", "addr", ro.Addr, "db", ro.DB, "pool_size", ro.PoolSize)
	return client, nil
}

// applyDefaults sets timeouts the URL left unset: commands must fail fast when Redis is
// down so that callers (cache misses, health checks) never hang.
func applyDefaults(ro *redis.Options) {
	if ro.DialTimeout == 0 {
		ro.DialTimeout = 3 * time.Second
	}
	if ro.ReadTimeout == 0 {
		ro.ReadTimeout = 2 * time.Second
	}
	if ro.WriteTimeout == 0 {
		ro.WriteTimeout = 2 * time.Second
	}
	if ro.PoolTimeout == 0 {
		ro.PoolTimeout = 3 * time.Second
	}
	if ro.MinIdleConns == 0 {
		ro.MinIdleConns = 2
	}
	if ro.ClientName == "" {
		ro.ClientName = "backbone"
	}
}

// stripURL drops the URL (and its password) that url.Parse puts in its errors.
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("parse URL: %w", ue.Err)
	}
	return err
}

// redact hides a password in a URL so that it never reaches an error or a log.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
