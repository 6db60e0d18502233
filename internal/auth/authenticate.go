package auth

import (
	"context"
	"time"

	"github.com/google/uuid"

	"backbone/internal/auth/token"
	"backbone/internal/errs"
	"backbone/internal/httpmw"
	"backbone/internal/viewer"
)

// Credentials are what a caller authenticates with, on every transport: the
// Authorization and X-API-Key headers of an HTTP request (an event stream's, or a
// websocket's upgrade request's), or the fields of the same names of a websocket's
// connection_init payload.
type Credentials struct {
	Authorization string // "Bearer <access token>"
	APIKey        string
}

// Empty reports credentials that name no caller: the request is anonymous.
func (c Credentials) Empty() bool { return c.Authorization == "" && c.APIKey == "" }

// Authenticate checks credentials, an API key first, else a bearer access token, and
// returns the principal, whose Expires says when the credential stops being accepted: a
// token's exp plus token.DefaultLeeway, a key's expiry, or zero (never). WatchRevocation
// then tells when it is revoked. An access token costs no database query (the signature,
// the claims and this instance's memory of revoked sessions decide), except one older than
// this instance's ACCESS_TOKEN_TTL (issued by an instance with a longer one), whose session
// is read once per that lifetime; a key is looked up on each use, so a revoked key or a
// suspended owner stops at once.
// Errors: UNAUTHENTICATED with a reason (invalid, expired, revoked).
func (s *Service) Authenticate(ctx context.Context, c Credentials) (viewer.Principal, error) {
	if c.APIKey != "" {
		k, err := s.apiKey(ctx, c.APIKey)
		if err != nil {
			return viewer.Principal{}, err
		}
		return keyPrincipal(k), nil
	}
	bearer := httpmw.BearerToken(c.Authorization)
	if bearer == "" {
		return viewer.Principal{}, errs.E(errs.Unauthenticated, "use Authorization: Bearer <token>").With("reason", "invalid")
	}
	return s.accessToken(ctx, bearer)
}

// accessToken checks a bearer access token: its signature and claims (remembered once
// verified, see token.Verified), then its session against the revoked ones, every time
// (in memory, or for a token older than this instance's tokens live, in the database:
// see Revocations.SessionRevoked).
func (s *Service) accessToken(ctx context.Context, bearer string) (viewer.Principal, error) {
	claims, err := s.verified.Verify(bearer)
	if err != nil {
		return viewer.Principal{}, err
	}
	uid, uerr := uuid.Parse(claims.Subject)
	sid, serr := uuid.Parse(claims.SessionID)
	if uerr != nil || serr != nil {
		return viewer.Principal{}, errs.E(errs.Unauthenticated, "invalid token").With("reason", "invalid")
	}
	var issued time.Time
	if claims.IssuedAt != nil {
		issued = claims.IssuedAt.Time
	}
	revoked, err := s.revoked.SessionRevoked(ctx, sid, issued)
	if err != nil {
		return viewer.Principal{}, errs.Wrap("auth.Authenticate", err)
	}
	if revoked {
		return viewer.Principal{}, errs.E(errs.Unauthenticated, "session revoked; sign in again").With("reason", "revoked")
	}
	return viewer.Principal{UserID: uid, Role: claims.Role, SessionID: sid,
		Expires: claims.ExpiresAt.Add(token.DefaultLeeway)}, nil
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

// WatchRole calls fn when an API key's principal acts with a role its owner no longer
// has, or for an owner no longer active, on whichever instance changed it. A key has no
// session for a role change to revoke (a session's principal needs no such watch: the
// change ends the session, WatchRevocation), and a live connection keeps the principal
// it was authenticated with.
func (s *Service) WatchRole(p viewer.Principal, fn func()) (stop func()) {
	if !p.IsAPIKey() {
		return func() {}
	}
	return s.revoked.WatchRole(p.UserID, p.Role, fn)
}
