// Package token issues and verifies the HS256 JWT access tokens of Backbone's sessions.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MinSecretLen is the shortest HS256 secret accepted: 256 bits, the size of the hash.
const MinSecretLen = 32

// maxKIDLen bounds a key id; ids go in every token header.
const maxKIDLen = 64

// Key is one HS256 signing secret and its key id ("kid" header).
type Key struct {
	ID     string
	Secret []byte
}

// KeySet holds the active signing key and older keys that still verify, for rotation:
// add a new key first, keep the old one until the tokens it signed have expired.
type KeySet struct {
	signer Key
	byID   map[string][]byte
	ids    []string // in configuration order, the signer first
}

// NewKeySet returns a set that signs with active and verifies with active and older.
// Errors name the problem: an empty or invalid id, a short secret, a repeated id.
func NewKeySet(active Key, older ...Key) (*KeySet, error) {
	ks := &KeySet{signer: active, byID: make(map[string][]byte, 1+len(older))}
	for _, k := range append([]Key{active}, older...) {
		if err := validKID(k.ID); err != nil {
			return nil, err
		}
		if len(k.Secret) < MinSecretLen {
			return nil, fmt.Errorf("jwt key %q: secret must be at least %d bytes, got %d", k.ID, MinSecretLen, len(k.Secret))
		}
		if _, dup := ks.byID[k.ID]; dup {
			return nil, fmt.Errorf("jwt key %q: id used twice", k.ID)
		}
		ks.byID[k.ID] = append([]byte(nil), k.Secret...)
		ks.ids = append(ks.ids, k.ID)
	}
	ks.signer.Secret = ks.byID[active.ID]
	return ks, nil
}

// FromSecret returns a one-key set (JWT_SECRET). Its kid is the first 8 hex digits of a
// SHA-256 of the secret, so that restarts and replicas agree without configuration.
func FromSecret(secret string) (*KeySet, error) {
	sum := sha256.Sum256([]byte("backbone jwt kid\x00" + secret)) // domain-separated
	return NewKeySet(Key{ID: hex.EncodeToString(sum[:4]), Secret: []byte(secret)})
}

// ParseKeys parses JWT_KEYS, "kid1:secret1,kid2:secret2": the first key signs, all verify.
// A secret may contain ':' but not ','. Spaces around entries are ignored.
func ParseKeys(spec string) (*KeySet, error) {
	var keys []Key
	for i, entry := range strings.Split(spec, ",") {
		entry = strings.TrimSpace(entry)
		id, secret, ok := strings.Cut(entry, ":")
		if !ok || id == "" || secret == "" {
			return nil, fmt.Errorf("JWT_KEYS entry %d: want kid:secret", i+1)
		}
		keys = append(keys, Key{ID: id, Secret: []byte(secret)})
	}
	return NewKeySet(keys[0], keys[1:]...)
}

// FromConfig builds the set from JWT_SECRET or JWT_KEYS; exactly one must be set.
func FromConfig(jwtSecret, jwtKeys string) (*KeySet, error) {
	switch {
	case jwtSecret != "" && jwtKeys != "":
		return nil, errors.New("JWT_SECRET and JWT_KEYS: set one of them, not both")
	case jwtKeys != "":
		return ParseKeys(jwtKeys)
	case jwtSecret != "":
		return FromSecret(jwtSecret)
	}
	return nil, errors.New("JWT_SECRET or JWT_KEYS is required")
}

// Ephemeral returns a set with one random key, for development without configuration:
// its tokens die with the process and are not shared between instances.
func Ephemeral() *KeySet {
	secret := make([]byte, MinSecretLen)
	_, _ = rand.Read(secret) // never fails since Go 1.24
	ks, err := NewKeySet(Key{ID: "ephemeral", Secret: secret})
	if err != nil {
		panic(err) // unreachable: the key is valid by construction
	}
	return ks
}

// SigningKeyID returns the kid of the active key.
func (ks *KeySet) SigningKeyID() string { return ks.signer.ID }

// KeyIDs returns the ids of all keys that verify, the signer first.
func (ks *KeySet) KeyIDs() []string { return append([]string(nil), ks.ids...) }

// secret returns the secret for kid, if known.
func (ks *KeySet) secret(kid string) ([]byte, bool) {
	s, ok := ks.byID[kid]
	return s, ok
}

// validKID accepts 1-64 characters of [A-Za-z0-9._-].
func validKID(id string) error {
	if id == "" || len(id) > maxKIDLen {
		return fmt.Errorf("jwt key id %q: must be 1 to %d characters", id, maxKIDLen)
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-", r)) {
			return fmt.Errorf("jwt key id %q: only letters, digits, '.', '_' and '-' are allowed", id)
		}
	}
	return nil
}
