package token_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"backbone/internal/auth/token"
	"backbone/internal/errs"
)

// t0 is the fixed "now" of the tests.
var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

const (
	testIss = "https://backbone.test"
	testAud = "backbone-api"
)

func mustKeys(tb testing.TB, spec string) *token.KeySet {
	tb.Helper()
	ks, err := token.ParseKeys(spec)
	if err != nil {
		tb.Fatal(err)
	}
	return ks
}

// newIssuer returns an issuer over ks whose clock stands at t0.
func newIssuer(tb testing.TB, ks *token.KeySet) *token.Issuer {
	tb.Helper()
	return &token.Issuer{Keys: ks, Issuer: testIss, Audience: testAud, TTL: 15 * time.Minute,
		Now: func() time.Time { return t0 }}
}

// at returns a copy of iss whose clock stands at t.
func at(iss *token.Issuer, t time.Time) *token.Issuer {
	c := *iss
	c.Now = func() time.Time { return t }
	return &c
}

// sign builds a token by hand: any header and claims, HMAC-SHA256 over them with secret.
// Its output is deterministic, which the fuzz target relies on.
func sign(tb testing.TB, header map[string]any, claims any, secret string) string {
	tb.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			tb.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(header) + "." + enc(claims)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(input))
	return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// validClaims are what Issue would write at t0.
func validClaims() jwt.MapClaims {
	return jwt.MapClaims{
		"iss": testIss, "aud": []string{testAud}, "sub": "user-1", "jti": "jti-1",
		"iat": t0.Unix(), "nbf": t0.Unix(), "exp": t0.Add(15 * time.Minute).Unix(),
		"role": "CLIENT", "sid": "sess-1",
	}

}

// claimsWith returns validClaims with changes; a nil value deletes the claim.
func claimsWith(changes map[string]any) jwt.MapClaims {
	c := validClaims()
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// wantUnauthenticated checks err is UNAUTHENTICATED with the given reason extension.
func wantUnauthenticated(tb testing.TB, err error, reason string) {
	tb.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.Unauthenticated || e.Extensions["reason"] != reason {
		tb.Fatalf("error %v; want UNAUTHENTICATED with reason %q", err, reason)
	}
}
