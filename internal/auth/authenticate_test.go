package auth_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestAuthenticateNeedsNoDatabase checks an access token with the database closed: the
// hot path is the signature, the claims and this instance's memory of revocations.
func TestAuthenticateNeedsNoDatabase(t *testing.T) {
	t.Parallel()
	d, err := db.Open(context.Background(), testenv.NewSQLiteURL(t), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	keys := token.Ephemeral()
	b := bus.NewMemory()
	t.Cleanup(func() { b.Close() })
	revoked := auth.NewRevocations(d.Client, b, slog.New(slog.DiscardHandler), time.Minute)
	svc := auth.NewService(auth.Deps{Client: d.Client, Keys: keys, Revoked: revoked, Issuer: "t", Audience: "t"}, auth.Options{})
	issuer := &token.Issuer{Keys: keys, Issuer: "t", Audience: "t", TTL: time.Minute}
	userID, sessionID := uuid.New(), uuid.New()
	tok, _, err := issuer.Issue(userID.String(), "CLIENT", sessionID.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	p, _, err := svc.Authenticate(context.Background(), tok)
	if err != nil || p.UserID != userID || p.SessionID != sessionID || p.Role != "CLIENT" {
		t.Fatalf("Authenticate with the database closed = %+v, %v", p, err)
	}
	revoked.Revoke(context.Background(), []uuid.UUID{sessionID})
	if _, _, err := svc.Authenticate(context.Background(), tok); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("a revoked session's token: %v, want UNAUTHENTICATED", err)
	}
}

// BenchmarkAuthenticate is the cost of checking an access token on a request.
//
//	go test -run '^$' -bench BenchmarkAuthenticate ./internal/auth
func BenchmarkAuthenticate(b *testing.B) {
	d, err := db.Open(context.Background(), testenv.NewSQLiteURL(b), slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer d.Close()
	keys := token.Ephemeral()
	revoked := auth.NewRevocations(d.Client, bus.NewMemory(), slog.New(slog.DiscardHandler), time.Minute)
	svc := auth.NewService(auth.Deps{Client: d.Client, Keys: keys, Revoked: revoked, Issuer: "t", Audience: "t"}, auth.Options{})
	tok, _, _ := (&token.Issuer{Keys: keys, Issuer: "t", Audience: "t", TTL: time.Hour}).Issue(uuid.NewString(), "CLIENT", uuid.NewString())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := svc.Authenticate(context.Background(), tok); err != nil {
				b.Fatal(err)
			}
		}
	})
}
