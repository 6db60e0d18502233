package auth

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Authenticate checks a bearer access token and returns its principal and expiry. It
// costs no database query: the signature, the claims, and this instance's memory of
// revoked sessions decide.
// Errors: UNAUTHENTICATED with a reason (invalid, expired, revoked).
func (s *Service) Authenticate(ctx context.Context, bearer string) (viewer.Principal, time.Time, error) {
	claims, err := s.tokens.Verify(bearer)
	if err != nil {
		return viewer.Principal{}, time.Time{}, err
	}
	uid, uerr := uuid.Parse(claims.Subject)
	sid, serr := uuid.Parse(claims.SessionID)
	if uerr != nil || serr != nil {
		return viewer.Principal{}, time.Time{}, errs.E(errs.Unauthenticated, "invalid token").With("reason", "invalid")
	}
	if s.revoked.IsRevoked(sid) {
		return viewer.Principal{}, time.Time{}, errs.E(errs.Unauthenticated, "session revoked; sign in again").With("reason", "revoked")
	}
	return viewer.Principal{UserID: uid, Role: claims.Role, SessionID: sid}, claims.ExpiresAt.Time, nil
}

// BearerToken extracts the token of an "Authorization: Bearer <token>" value, or "".
func BearerToken(header string) string {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(header), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}

// WatchSession calls fn when the session is revoked, on whichever instance revoked it.
func (s *Service) WatchSession(sessionID uuid.UUID, fn func()) (stop func()) {
	return s.revoked.Watch(sessionID, fn)
}

// AuthenticateLive checks the credential of a long-lived connection (a websocket, an
// event stream): an API key, or else a bearer access token, in the order HTTP requests
// are checked. It returns the principal and when the credential expires (zero: never).
// WatchRevocation then tells when it is revoked. Errors: UNAUTHENTICATED with a reason.
func (s *Service) AuthenticateLive(ctx context.Context, bearer, apiKey string) (viewer.Principal, time.Time, error) {
	if apiKey == "" {
		return s.Authenticate(ctx, bearer)
	}
	k, err := s.apiKey(ctx, apiKey)
	if err != nil {
		return viewer.Principal{}, time.Time{}, err
	}
	var expires time.Time
	if k.ExpiresAt != nil {
		expires = *k.ExpiresAt
	}
	return keyPrincipal(k), expires, nil
}

// WatchRevocation calls fn when p's credential is revoked, on whichever instance revoked
// it: the session of a token (sign-out, a role change, a suspension), or an API key (by
// its owner, or revoked with its suspended owner).
func (s *Service) WatchRevocation(p viewer.Principal, fn func()) (stop func()) {
	if p.IsAPIKey() {
		return s.revoked.Watch(p.APIKeyID, fn)
	}
	return s.revoked.Watch(p.SessionID, fn)
}
