package main

import (
	"fmt"
	"net/http"

	"backbone/internal/audit"
	"backbone/internal/auth"
	"backbone/internal/auth/password"
	"backbone/internal/auth/token"
	"backbone/internal/httpmw"
)

// openAuth builds the auth service: signing keys from the configuration (a random key in
// development when none is set), rate limits in Redis when configured, and the memory of
// revoked sessions fed by the bus.
func (a *app) openAuth() error {
	keys, err := a.signingKeys()
	if err != nil {
		return err
	}
	a.keys = keys
	hasher, err := password.NewHasher(password.DefaultParams)
	if err != nil {
		return fmt.Errorf("password hasher: %w", err)
	}
	a.revocations = auth.NewRevocations(a.db.Client, a.bus, a.log, a.cfg.AccessTTL)
	a.auth = auth.NewService(auth.Deps{
		Client:    a.db.Client,
		Hasher:    hasher,
		Keys:      keys,
		Limiter:   a.rateLimiter(),
		Revoked:   a.revocations,
		Log:       a.log,
		Issuer:    a.cfg.Issuer,
		Audience:  a.cfg.Audience,
		PublicURL: a.cfg.PublicURL,
		Settings:  a.settings,
	}, auth.Options{AccessTTL: a.cfg.AccessTTL})
	return nil
}

func (a *app) signingKeys() (*token.KeySet, error) {
	if a.cfg.JWTSecret == "" && a.cfg.JWTKeys == "" {
		// Validate refuses this in production.
		a.log.Warn("no JWT_SECRET or JWT_KEYS: signing with a random key; tokens die with this process")
		return token.Ephemeral(), nil
	}
	keys, err := token.FromConfig(a.cfg.JWTSecret, a.cfg.JWTKeys)
	if err != nil {
		return nil, fmt.Errorf("JWT keys: %w", err)
	}
	return keys, nil
}

// requestOrigin records the caller's IP and user agent for audit rows and rate limits.
func requestOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := audit.Request{IP: httpmw.ClientIPFrom(r.Context()), UserAgent: r.UserAgent()}
		if !httpmw.Attach(r.Context(), audit.RequestKey, origin) {
			r = r.WithContext(audit.WithRequest(r.Context(), origin))
		}
		next.ServeHTTP(w, r)
	})
}
