// Package seal encrypts small secrets at rest (an expert's payout details) with
// AES-256-GCM under a ring of named keys: the first key seals, every key opens, so keys
// can be rotated (new first, old kept until every value is sealed again).
//
// A sealed value is the key id, stored beside it, and nonce || ciphertext || tag. The
// caller binds each value to its row with additional authenticated data (such as the
// owner's id), so a sealed value copied onto another row does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// KeySize is the length of an AES-256 key.
const KeySize = 32

// DevKeyID names the development key (see Dev).
const DevKeyID = "dev"

// ErrOpen is returned for a value that does not open: an unknown key id, a wrong key,
// tampered bytes or other additional data.
var ErrOpen = errors.New("seal: the value does not open with the configured keys")

var keyIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// Keyring holds the data encryption keys, the sealing one first.
type Keyring struct {
	ids  []string
	aead map[string]cipher.AEAD
}

// Parse reads DATA_ENCRYPTION_KEYS: "kid:base64key,kid:base64key,...", each key 32
// bytes in standard or URL-safe base64 (padding optional). The first seals.
func Parse(spec string) (*Keyring, error) {
	r := &Keyring{aead: map[string]cipher.AEAD{}}
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		kid, b64, ok := strings.Cut(part, ":")
		if !ok || !keyIDPattern.MatchString(kid) {
			return nil, fmt.Errorf("seal: each key is kid:base64key with a kid of 1 to 32 letters, digits, '.', '_' or '-'")
		}
		key, err := decodeKey(b64)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", kid, err)
		}
		if err := r.add(kid, key); err != nil {
			return nil, err
		}
	}
	if len(r.ids) == 0 {
		return nil, errors.New("seal: no key given")
	}
	return r, nil
}

// Dev returns a keyring for development: the keys of spec (may be empty) followed by
// the development key, derived from a fixed phrase (it is public: nothing sealed with it
// is secret). Sealing uses the first key, so a developer who sets keys can still open,
// and re-encrypt, what was sealed before. Production never uses it.
func Dev(spec string) (*Keyring, error) {
	r := &Keyring{aead: map[string]cipher.AEAD{}}
	if strings.TrimSpace(spec) != "" {
		var err error
		if r, err = Parse(spec); err != nil {
			return nil, err
		}
	}
	if _, ok := r.aead[DevKeyID]; !ok {
		key := sha256.Sum256([]byte("backbone development data encryption key: not a secret"))
		if err := r.add(DevKeyID, key[:]); err != nil {
			return nil, err
		}
	}
	return r, nil
}

func decodeKey(s string) ([]byte, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "=")
	for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		if key, err := enc.DecodeString(s); err == nil {
			if len(key) != KeySize {
				return nil, fmt.Errorf("decodes to %d bytes, want %d (generate one with: openssl rand -base64 32)", len(key), KeySize)
			}
			return key, nil
		}
	}
	return nil, errors.New("is not base64")
}

func (r *Keyring) add(kid string, key []byte) error {
	if _, dup := r.aead[kid]; dup {
		return fmt.Errorf("seal: key id %q is given twice", kid)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("seal: key %q: %w", kid, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return fmt.Errorf("seal: key %q: %w", kid, err)
	}
	r.ids = append(r.ids, kid)
	r.aead[kid] = aead
	return nil
}

// Current is the id of the key that seals.
func (r *Keyring) Current() string { return r.ids[0] }

// IDs are the key ids, the sealing one first.
func (r *Keyring) IDs() []string { return append([]string(nil), r.ids...) }

// Seal encrypts plaintext bound to aad under the current key, with a random nonce.
func (r *Keyring) Seal(plaintext, aad []byte) (kid string, sealed []byte, err error) {
	kid = r.Current()
	aead := r.aead[kid]
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", nil, fmt.Errorf("seal: nonce: %w", err)
	}
	return kid, aead.Seal(nonce, nonce, plaintext, aad), nil
}

// Open decrypts a value sealed under key kid with aad. Errors: ErrOpen.
func (r *Keyring) Open(kid string, sealed, aad []byte) ([]byte, error) {
	aead, ok := r.aead[kid]
	if !ok || len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrOpen
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}
