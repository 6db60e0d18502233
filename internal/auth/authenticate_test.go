package auth_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestAuthenticateTakesAKeyFirstThenABearerToken is the one check of HTTP requests,
// websockets and event streams: an API key first, else a bearer token; and the principal
// says until when its credential is accepted.
func TestAuthenticateTakesAKeyFirstThenABearerToken(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	t0 := time.Now().Truncate(time.Second) // a token's exp has whole seconds
	in := newInstance(t, d, token.Ephemeral(), &testClock{t: t0})
	session, err := in.svc.Register(from("192.0.2.1"), auth.RegisterInput{
		Email: testenv.RandomName("u") + "@example.com", Password: testPassword, DisplayName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	tok := session.AccessToken
	keyExpires := t0.Add(time.Hour)
	key, err := in.svc.CreateAPIKey(viewer.With(from("192.0.2.1"), viewer.Principal{UserID: session.User.ID,
		Role: string(session.User.Role), SessionID: uuid.New()}), "ci", []string{viewer.ScopeRead}, &keyExpires)
	if err != nil {
		t.Fatal(err)
	}
	const bySession, byKey = "session", "API key"
	for _, tt := range []struct {
		name string
		cred auth.Credentials
		want string // bySession, byKey, or the refusal's message
	}{
		{"a bearer token", auth.Credentials{Authorization: "Bearer " + tok}, bySession},
		{"the scheme in another case", auth.Credentials{Authorization: "bearer  " + tok + " "}, bySession},
		{"an API key", auth.Credentials{APIKey: key.Secret}, byKey},
		{"an API key before a token", auth.Credentials{Authorization: "Bearer not-a-jwt", APIKey: key.Secret}, byKey},
		{"a wrong API key beside a good token", auth.Credentials{Authorization: "Bearer " + tok, APIKey: key.Secret + "x"}, "invalid API key"},
		{"another scheme", auth.Credentials{Authorization: "Basic dXNlcjpwYXNz"}, "use Authorization: Bearer <token>"},
		{"a scheme without a token", auth.Credentials{Authorization: "Bearer "}, "use Authorization: Bearer <token>"},
		{"a garbled token", auth.Credentials{Authorization: "Bearer not-a-jwt"}, "invalid token"},
	} {
		p, err := in.svc.Authenticate(context.Background(), tt.cred)
		switch tt.want {
		case bySession:
			if err != nil || p.UserID != session.User.ID || p.IsAPIKey() || !p.Expires.Equal(t0.Add(shortTTL+token.DefaultLeeway)) {
				t.Errorf("%s: %+v, %v; want the session, accepted until exp plus the leeway", tt.name, p, err)
			}
		case byKey:
			if err != nil || p.UserID != session.User.ID || p.APIKeyID != key.Key.ID || !p.Expires.Equal(keyExpires) {
				t.Errorf("%s: %+v, %v; want the key, accepted until it expires", tt.name, p, err)
			}
		default:
			e, ok := errors.AsType[*errs.Error](err)
			if !ok || e.Code != errs.Unauthenticated || e.Message != tt.want || e.Extensions["reason"] != "invalid" {
				t.Errorf("%s: %+v, %v; want UNAUTHENTICATED %q, reason invalid", tt.name, p, err, tt.want)
			}
		}
	}
}

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

	p, err := svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok})
	if err != nil || p.UserID != userID || p.SessionID != sessionID || p.Role != "CLIENT" {
		t.Fatalf("Authenticate with the database closed = %+v, %v", p, err)
	}
	revoked.Revoke(context.Background(), []uuid.UUID{sessionID})
	if _, err := svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok}); !errs.Is(err, errs.Unauthenticated) {
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
	cred := auth.Credentials{Authorization: "Bearer " + tok}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(context.Background(), cred); err != nil {
				b.Fatal(err)
			}
		}
	})
}
