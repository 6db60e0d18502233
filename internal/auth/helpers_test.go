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
)

// testPassword passes the strength policy.
const testPassword = "correct horse battery staple 42"

// cheapHashes keeps tests fast; production uses password.DefaultParams.
var cheapHashes = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// newService returns the auth service over d, with in-process rate limits and bus.
func newService(tb testing.TB, d *db.DB) *auth.Service {
	tb.Helper()
	hasher, err := password.NewHasher(cheapHashes)
	if err != nil {
		tb.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	b := bus.NewMemory()
	tb.Cleanup(func() { b.Close() })
	return auth.NewService(auth.Deps{
		Client: d.Client, Hasher: hasher, Keys: token.Ephemeral(), Limiter: ratelimit.NewMemory(0),
		Revoked: auth.NewRevocations(d.Client, b, log, time.Minute), Log: log, Issuer: "t", Audience: "t",
	}, auth.Options{})
}

// from is a request from address ip.
func from(ip string) context.Context {
	return audit.WithRequest(context.Background(), audit.Request{IP: ip, UserAgent: "test"})
}
