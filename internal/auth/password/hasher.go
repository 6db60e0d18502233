// Package password hashes, verifies and judges user passwords.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"runtime"

	"golang.org/x/crypto/argon2"

	"backbone/internal/errs"
)

// Why argon2id rather than bcrypt: it is OWASP's first choice, it is memory-hard (GPU and
// ASIC cracking costs far more), it has no 72-byte input limit, and its PHC string carries
// its parameters so that they can be raised later and old hashes upgraded at login.

// Params are argon2id cost parameters. Memory is in KiB.
type Params struct {
	Memory  uint32 // m, KiB
	Time    uint32 // t, passes
	Threads uint8  // p, lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are OWASP's current argon2id minimum (Password Storage Cheat Sheet):
// m=19 MiB, t=2, p=1, with a 16-byte salt and a 32-byte hash.
var DefaultParams = Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Bounds on parameters, for configuration and for hashes read back from the database:
// a corrupted row must not make the server allocate gigabytes.
const (
	maxMemory  = 1 << 20 // 1 GiB
	maxTime    = 64
	minSaltLen = 8
	maxSaltLen = 64
	minKeyLen  = 16
	maxKeyLen  = 128
)

// Validate reports whether p is usable: argon2id's own limits plus sane upper bounds.
func (p Params) Validate() error {
	switch {
	case p.Threads < 1:
		return fmt.Errorf("argon2id: threads must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("argon2id: memory %d KiB out of range [%d, %d]", p.Memory, 8*uint32(p.Threads), maxMemory)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("argon2id: time %d out of range [1, %d]", p.Time, maxTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("argon2id: salt length %d out of range [%d, %d]", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("argon2id: key length %d out of range [%d, %d]", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and compares passwords with argon2id. It is safe for concurrent use.
type Hasher struct {
	params Params
	// sem bounds concurrent hashes: each holds Memory KiB, and more hashes than cores
	// only add memory, not throughput.
	sem   chan struct{}
	dummy string
}

// NewHasher returns a Hasher using p for new hashes. It computes one hash up front, the
// dummy used by CompareDummy.
func NewHasher(p Params) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	h := &Hasher{params: p, sem: make(chan struct{}, runtime.GOMAXPROCS(0))}
	// A random password no one knows: comparing against it always fails, at full cost.
	salt := randomBytes(p.SaltLen)
	h.dummy = encode(p, salt, h.key([]byte(rand.Text()), salt, p))
	return h, nil
}

// Params returns the parameters used for new hashes.
func (h *Hasher) Params() Params { return h.params }

// Hash returns the PHC string of password, after Validate. Errors: BAD_USER_INPUT (with
// extension field "password") for a password outside the policy; INTERNAL if ctx ends first.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if err := Validate(password); err != nil {
		return "", err
	}
	if err := h.acquire(ctx); err != nil {
		return "", errs.Wrap("password.Hash", err)
	}
	defer h.release()
	salt := randomBytes(h.params.SaltLen)
	return encode(h.params, salt, h.key(normalize(password), salt, h.params)), nil
}

// Compare reports whether password matches the PHC string encoded, in constant time, using
// the parameters stored in encoded. It applies no length policy, so that a policy change
// never locks out an existing user. Errors: INTERNAL for a malformed stored hash or if ctx
// ends first.
func (h *Hasher) Compare(ctx context.Context, password, encoded string) (bool, error) {
	p, salt, want, err := decode(encoded)
	if err != nil {
		return false, errs.Wrap("password.Compare", err)
	}
	if err := h.acquire(ctx); err != nil {
		return false, errs.Wrap("password.Compare", err)
	}
	defer h.release()
	got := h.key(normalize(password), salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded should be replaced by a fresh Hash after a successful
// Compare: it is not an argon2id hash of this version, or its parameters differ from h's.
func (h *Hasher) NeedsRehash(encoded string) bool {
	p, _, _, err := decode(encoded)
	return err != nil || p != h.params
}

// DummyHash returns a valid hash, made with h's parameters, that no password matches.
func (h *Hasher) DummyHash() string { return h.dummy }

// CompareDummy spends the time of a failed Compare and reports nothing. Call it when a login
// names an unknown account, so that the response time does not tell which emails exist.
func (h *Hasher) CompareDummy(ctx context.Context, password string) {
	_, _ = h.Compare(ctx, password, h.dummy)
}

func (h *Hasher) key(password, salt []byte, p Params) []byte {
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err // select below picks at random when both are ready
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

func randomBytes(n uint32) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails since Go 1.24: it crashes the program instead
	return b
}
