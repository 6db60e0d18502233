package token

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Verified remembers the tokens an Issuer has verified, so that a client sending the same
// token on every request pays for its parsing and signature check once: about a tenth of
// the CPU of a request that reads one row. A remembered token is accepted only within the
// window Verify itself would accept it in (nbf and iat minus the leeway, up to exp plus
// the leeway, by the issuer's clock); outside it, or when forgotten, the token goes
// through Verify again. Tokens are remembered by their SHA-256, never in the clear; a
// refused token is never remembered. Revocation is not this cache's business: the caller
// checks the session of the claims on every request, as it would after Verify.
type Verified struct {
	issuer *Issuer
	cache  *lru.Cache[[sha256.Size]byte, verifiedToken]
}

type verifiedToken struct {
	claims      Claims
	from, until time.Time // accepted while from <= now < until
}

// NewVerified returns a cache of at most size tokens verified by i (size <= 0: 10,000).
func NewVerified(i *Issuer, size int) *Verified {
	if size <= 0 {
		size = 10_000
	}
	c, _ := lru.New[[sha256.Size]byte, verifiedToken](size) // only a size <= 0 fails
	return &Verified{issuer: i, cache: c}
}

// Verify is Issuer.Verify, answered from memory for a token verified before and still
// inside its window. The claims returned are the caller's own copy.
func (v *Verified) Verify(tokenString string) (*Claims, error) {
	if len(tokenString) > MaxTokenLen || v.issuer.check() != nil {
		return v.issuer.Verify(tokenString) // refused there, without hashing megabytes
	}
	key := sha256.Sum256([]byte(tokenString))
	if t, ok := v.cache.Get(key); ok {
		if now := v.issuer.now(); !now.Before(t.from) && now.Before(t.until) {
			c := t.claims
			return &c, nil
		}
		v.cache.Remove(key)
	}
	c, err := v.issuer.Verify(tokenString)
	if err != nil {
		return nil, err
	}
	if c.ExpiresAt == nil { // Verify requires exp; without it nothing is remembered
		return c, nil
	}
	t := verifiedToken{claims: *c, until: c.ExpiresAt.Add(DefaultLeeway)}
	for _, d := range []*time.Time{nbf(c), iat(c)} {
		if d != nil && d.Add(-DefaultLeeway).After(t.from) {
			t.from = d.Add(-DefaultLeeway)
		}
	}
	v.cache.Add(key, t)
	return c, nil
}

func nbf(c *Claims) *time.Time {
	if c.NotBefore == nil {
		return nil
	}
	return &c.NotBefore.Time
}

func iat(c *Claims) *time.Time {
	if c.IssuedAt == nil {
		return nil
	}
	return &c.IssuedAt.Time
}

// Len is how many tokens are remembered.
func (v *Verified) Len() int { return v.cache.Len() }
