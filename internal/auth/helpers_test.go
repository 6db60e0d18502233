package auth_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"backbone/internal/audit"
	"backbone/internal/auth"
	"backbone/internal/auth/password"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/ratelimit"
	"backbone/internal/settings"
)

// testPassword passes the strength policy.
const testPassword = "correct horse battery staple 42"

// cheapHashes keeps tests fast; production uses password.DefaultParams.
var cheapHashes = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// newService returns the auth service over d, with in-process rate limits and bus.
func newService(tb testing.TB, d *db.DB) *auth.Service {
	tb.Helper()
	b := bus.NewMemory()
	tb.Cleanup(func() { b.Close() })
	revoked := auth.NewRevocations(d.Client, b, slog.New(slog.DiscardHandler), time.Minute)
	return newServiceWith(tb, d, token.Ephemeral(), revoked, auth.Options{})
}

// newServiceWith is newService with these keys, revocations and options.
func newServiceWith(tb testing.TB, d *db.DB, keys *token.KeySet, revoked *auth.Revocations, o auth.Options) *auth.Service {
	tb.Helper()
	hasher, err := password.NewHasher(cheapHashes)
	if err != nil {
		tb.Fatal(err)
	}
	return auth.NewService(auth.Deps{
		Client: d.Client, Hasher: hasher, Keys: keys, Limiter: ratelimit.NewMemory(0),
		Revoked: revoked, Log: slog.New(slog.DiscardHandler), Issuer: "t", Audience: "t",
		Settings: settings.New(settings.Deps{DB: d}, settings.Options{}),
	}, o)
}

// from is a request from address ip.
func from(ip string) context.Context {
	return audit.WithRequest(context.Background(), audit.Request{IP: ip, UserAgent: "test"})
}
