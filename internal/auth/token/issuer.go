package token

import (
	"errors"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"backbone/internal/errs"
)

// MaxTokenLen is the longest token Verify reads; anything longer is refused unparsed.
const MaxTokenLen = 8 << 10

// DefaultLeeway tolerates clock skew between instances on exp, nbf and iat: a token is
// accepted until 5 s after its exp, on HTTP and by live connections alike (README, "Tokens,
// API keys and websockets"). It is kept short, at most 5 s: a token lives TTL plus this,
// a socket closes this late, and a revoked session must be remembered as long.
const DefaultLeeway = 5 * time.Second

// Claims are the claims of an access token: iss, aud, sub (user id), exp, iat, nbf, jti,
// plus the role and the session (refresh-token family) it was issued for.
type Claims struct {
	jwt.RegisteredClaims
	Role      string `json:"role"`
	SessionID string `json:"sid"`
}

// Issuer issues and verifies access tokens. Keys, Issuer, Audience and TTL are required;
// Now defaults to time.Now. Verification allows DefaultLeeway.
type Issuer struct {
	Keys     *KeySet
	Issuer   string
	Audience string
	TTL      time.Duration
	Now      func() time.Time
}

// Lifetime is how long after its issue a token of ttl may still verify: ttl plus the
// leeway.
func Lifetime(ttl time.Duration) time.Duration { return ttl + DefaultLeeway }

// Issue signs a token for subject (a user id) with role and sessionID, valid from now for
// TTL, with the active key. It returns the token and the claims in it. Errors: INTERNAL
// for an incomplete Issuer or an empty subject.
func (i *Issuer) Issue(subject, role, sessionID string) (string, Claims, error) {
	const op = "token.Issue"
	if err := i.check(); err != nil {
		return "", Claims{}, errs.Wrap(op, err)
	}
	if subject == "" {
		return "", Claims{}, errs.Wrap(op, errors.New("empty subject"))
	}
	now := i.now()
	c := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    i.Issuer,
			Subject:   subject,
			Audience:  jwt.ClaimStrings{i.Audience},
			ExpiresAt: jwt.NewNumericDate(now.Add(i.TTL)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
		Role:      role,
		SessionID: sessionID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	t.Header["kid"] = i.Keys.signer.ID
	s, err := t.SignedString(i.Keys.signer.Secret)
	if err != nil {
		return "", Claims{}, errs.Wrap(op, err)
	}
	return s, c, nil
}

// Verify checks tokenString and returns its claims: HS256 only, a known kid, the right
// issuer and audience, exp required and not past, nbf and iat not in the future (within
// Leeway), a subject and a token id. Errors: UNAUTHENTICATED with message "token expired"
// (extension reason "expired") or "invalid token" (reason "invalid"); the cause is kept
// for logs only. Verify never panics.
func (i *Issuer) Verify(tokenString string) (*Claims, error) {
	if err := i.check(); err != nil {
		return nil, errs.Wrap("token.Verify", err)
	}
	if len(tokenString) > MaxTokenLen {
		return nil, invalid(errors.New("token too long"))
	}
	if !wellFormed(tokenString) {
		return nil, invalid(jwt.ErrTokenMalformed)
	}
	c := &Claims{}
	_, err := i.parser().ParseWithClaims(tokenString, c, i.keyFunc)
	switch {
	case errors.Is(err, jwt.ErrTokenExpired):
		return nil, unauthenticated("token expired", "expired", err)
	case err != nil:
		return nil, invalid(err)
	case c.Subject == "" || c.ID == "":
		return nil, invalid(errors.New("token without sub or jti"))
	}
	return c, nil
}

func (i *Issuer) parser() *jwt.Parser {
	return jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}), // no "none", no RS256 key confusion
		jwt.WithIssuer(i.Issuer),
		jwt.WithAudience(i.Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(DefaultLeeway),
		jwt.WithTimeFunc(i.now),
		jwt.WithStrictDecoding(), // one spelling per token: no malleable padding bits
	)
}

// keyFunc picks the secret named by the header's kid; a token without one is refused.
func (i *Issuer) keyFunc(t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	secret, ok := i.Keys.secret(kid)
	if !ok {
		return nil, errors.New("unknown kid")
	}
	return secret, nil
}

func (i *Issuer) check() error {
	switch {
	case i == nil || i.Keys == nil:
		return errors.New("token issuer without keys")
	case i.Issuer == "" || i.Audience == "":
		return errors.New("token issuer without iss or aud")
	case i.TTL <= 0:
		return errors.New("token issuer without a TTL")
	}
	return nil
}

func (i *Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

// wellFormed reports whether s is three base64url segments: rejects non-ASCII and junk
// before any decoding.
func wellFormed(s string) bool {
	dots := 0
	for k := 0; k < len(s); k++ {
		switch c := s[k]; {
		case c == '.':
			dots++
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return false
		}
	}
	return dots == 2
}

func invalid(cause error) error { return unauthenticated("invalid token", "invalid", cause) }

func unauthenticated(msg, reason string, cause error) error {
	e := errs.E(errs.Unauthenticated, msg).With("reason", reason)
	e.Op, e.Err = "token.Verify", cause
	return e
}
