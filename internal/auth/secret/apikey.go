package secret

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"strings"

	"backbone/internal/errs"
)

// API key environments: the second part of a key, so that a test key is told at a glance.
const (
	EnvLive = "live"
	EnvTest = "test"
)

// APIKeyPrefixLen and apiKeySecretLen are the lengths of a key's two random parts.
const (
	APIKeyPrefixLen = 8  // 5 random bytes: a lookup id shown in listings, not a secret
	apiKeySecretLen = 48 // 30 random bytes: 240 bits
	apiKeyPrefix    = "bb_"
	maxAPIKeyLen    = len(apiKeyPrefix) + len(EnvLive) + 2 + APIKeyPrefixLen + apiKeySecretLen
)

// b32 is lowercase base32 without padding: no '_' or '-', so the parts split cleanly and
// a double click selects the whole key. Byte counts are multiples of 5: no padding bits.
var b32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewAPIKey returns a new key "bb_<env>_<prefix>_<secret>", shown once to its owner; its
// prefix, stored in clear to find the key; and the hash of the whole key, stored. env must
// be EnvLive or EnvTest; anything else is a programming error and panics.
func NewAPIKey(env string) (plain, prefix string, hash []byte) {
	if env != EnvLive && env != EnvTest {
		panic(fmt.Sprintf("secret.NewAPIKey: unknown environment %q", env))
	}
	prefix, key := random(APIKeyPrefixLen), random(apiKeySecretLen)
	plain = apiKeyPrefix + env + "_" + prefix + "_" + key
	return plain, prefix, HashToken(plain)
}

// ParseAPIKey checks that plain is shaped like a key from NewAPIKey and returns its prefix
// (to find the stored key) and its hash (to compare with Equal). The hash covers the whole
// key, so a prefix or environment cannot be swapped onto another key's secret. Errors:
// UNAUTHENTICATED.
func ParseAPIKey(plain string) (prefix string, hash []byte, err error) {
	if len(plain) > maxAPIKeyLen || !strings.HasPrefix(plain, apiKeyPrefix) {
		return "", nil, invalidAPIKey()
	}
	parts := strings.Split(plain[len(apiKeyPrefix):], "_")
	if len(parts) != 3 || (parts[0] != EnvLive && parts[0] != EnvTest) ||
		!isB32(parts[1], APIKeyPrefixLen) || !isB32(parts[2], apiKeySecretLen) {
		return "", nil, invalidAPIKey()
	}
	return parts[1], HashToken(plain), nil
}

// random returns n base32 characters (n a multiple of 8) from crypto/rand.
func random(n int) string {
	b := make([]byte, n*5/8)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return b32.EncodeToString(b)
}

// isB32 reports whether s is n characters of b32's alphabet. It checks the characters
// itself: encoding/base32 would skip newlines.
func isB32(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

func invalidAPIKey() error {
	e := errs.E(errs.Unauthenticated, "invalid API key")
	e.Op = "secret.ParseAPIKey"
	return e
}
