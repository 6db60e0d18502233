// Package secret makes and checks the opaque secrets of refresh tokens and API keys.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"

	"backbone/internal/errs"
)

// Why SHA-256 and not argon2 for these: a refresh token or API key is 240+ bits from
// crypto/rand, so a stolen hash cannot be reversed by guessing whatever the hash's speed;
// slow hashes exist for low-entropy passwords. A fast, deterministic hash also lets the
// database find the row by its hash (an index), which a salted slow hash would not.

// refreshBytes is the entropy of a refresh token: 256 bits.
const refreshBytes = 32

// RefreshTokenLen is the length of a refresh token: 32 bytes in unpadded base64url.
const RefreshTokenLen = 43

var b64 = base64.RawURLEncoding.Strict()

// NewRefreshToken returns a random refresh token, to give to the client, and its hash, to
// store.
func NewRefreshToken() (plain string, hash []byte) {
	b := make([]byte, refreshBytes)
	_, _ = rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	plain = b64.EncodeToString(b)
	return plain, HashToken(plain)
}

// HashToken returns the SHA-256 of a high-entropy token (see the package note on why a
// fast hash is right here). Never use it for passwords.
func HashToken(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// ParseRefreshToken checks that plain is shaped like a token from NewRefreshToken and
// returns its hash, so that garbage never reaches the database. Errors: UNAUTHENTICATED.
func ParseRefreshToken(plain string) ([]byte, error) {
	if len(plain) != RefreshTokenLen {
		return nil, invalidRefresh()
	}
	if b, err := b64.DecodeString(plain); err != nil || len(b) != refreshBytes {
		return nil, invalidRefresh()
	}
	return HashToken(plain), nil
}

// Equal compares two hashes in constant time. Use it whenever a presented secret's hash is
// checked against a stored one outside an indexed lookup.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

func invalidRefresh() error {
	e := errs.E(errs.Unauthenticated, "invalid refresh token").With("reason", "invalid")
	e.Op = "secret.ParseRefreshToken"
	return e
}

// NewLinkToken returns the random token of an emailed link (password reset, email
// verification), 256 bits like a refresh token, and its hash, to store.
func NewLinkToken() (plain string, hash []byte) { return NewRefreshToken() }

// ParseLinkToken checks that plain is shaped like a token from NewLinkToken and returns
// its hash; false for anything else, which then never reaches the database.
func ParseLinkToken(plain string) ([]byte, bool) {
	if len(plain) != RefreshTokenLen {
		return nil, false
	}
	if b, err := b64.DecodeString(plain); err != nil || len(b) != refreshBytes {
		return nil, false
	}
	return HashToken(plain), true
}
