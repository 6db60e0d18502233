package password_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"backbone/internal/auth/password"
	"backbone/internal/errs"
)

// cheap keeps tests fast; production uses password.DefaultParams.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHasher(tb testing.TB, p password.Params) *password.Hasher {
	tb.Helper()
	h, err := password.NewHasher(p)
	if err != nil {
		tb.Fatalf("NewHasher(%+v): %v", p, err)
	}
	return h
}

func mustHash(tb testing.TB, h *password.Hasher, pw string) string {
	tb.Helper()
	enc, err := h.Hash(context.Background(), pw)
	if err != nil {
		tb.Fatalf("Hash(%q): %v", pw, err)
	}
	return enc
}

func TestCompareMatchesOnlyTheHashedPassword(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	enc := mustHash(t, h, "Caf\u00e9 au lait 42") // é composed (NFC)
	tests := []struct {
		name, password string
		want           bool
	}{
		{"same password", "Caf\u00e9 au lait 42", true},
		{"same password with a decomposed accent", "Cafe\u0301 au lait 42", true},
		{"different case", "caf\u00e9 au lait 42", false},
		{"one character more", "Caf\u00e9 au lait 42!", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := h.Compare(context.Background(), tt.password, enc)
			if err != nil || got != tt.want {
				t.Fatalf("Compare(%q) = %v, %v; want %v, nil", tt.password, got, err, tt.want)
			}
		})
	}
}

func TestHashIsSaltedAndInPHCFormat(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	a, b := mustHash(t, h, "the same password"), mustHash(t, h, "the same password")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt missing")
	}
	if !strings.HasPrefix(a, "$argon2id$v=19$m=64,t=1,p=1$") || strings.Count(a, "$") != 5 {
		t.Fatalf("hash %q is not a PHC argon2id string with the hasher's parameters", a)
	}
}

func TestParametersRoundTripThroughTheStoredHash(t *testing.T) {
	t.Parallel()
	old := mustHasher(t, cheap)
	enc := mustHash(t, old, "an old password")
	raised := cheap
	raised.Memory, raised.Time = 128, 2
	current := mustHasher(t, raised)

	if old.NeedsRehash(enc) {
		t.Error("NeedsRehash is true for a hash made with the same parameters")
	}
	if !current.NeedsRehash(enc) {
		t.Error("NeedsRehash is false after the parameters were raised")
	}
	// The new hasher still verifies the old hash with the old parameters read from it.
	if ok, err := current.Compare(context.Background(), "an old password", enc); !ok || err != nil {
		t.Fatalf("Compare with raised parameters = %v, %v; want true, nil", ok, err)
	}
	rehashed := mustHash(t, current, "an old password")
	if current.NeedsRehash(rehashed) || !strings.Contains(rehashed, "$m=128,t=2,p=1$") {
		t.Fatalf("rehash %q does not carry the raised parameters", rehashed)
	}
}

func TestCompareRejectsMalformedHashes(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	good := mustHash(t, h, "a fine password")
	parts := strings.Split(good, "$") // "", argon2id, v=19, m=..., salt, hash
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"bcrypt", "$2a$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"},
		{"argon2i", with(1, "argon2i")},
		{"old version", with(2, "v=16")},
		{"padded version", with(2, "v=019")},
		{"missing parameter", with(3, "m=64,t=1")},
		{"huge memory", with(3, "m=4194304,t=1,p=1")},
		{"zero time", with(3, "m=64,t=0,p=1")},
		{"zero threads", with(3, "m=64,t=1,p=0")},
		{"salt not base64", with(4, "!!!!")},
		{"salt too short", with(4, "AAAA")},
		{"hash padded", with(5, parts[5]+"=")},
		{"extra field", good + "$x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := h.Compare(context.Background(), "a fine password", tt.hash)
			if ok || errs.CodeOf(err) != errs.Internal {
				t.Fatalf("Compare = %v, %v; want false, INTERNAL", ok, err)
			}
			if !h.NeedsRehash(tt.hash) {
				t.Fatal("NeedsRehash is false for a malformed hash")
			}
		})
	}
}

func TestDummyHashMatchesNoPassword(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	d := h.DummyHash()
	if h.NeedsRehash(d) {
		t.Fatalf("dummy %q is not a valid hash with the hasher's parameters", d)
	}
	for _, pw := range []string{"", "password", d} {
		if ok, err := h.Compare(context.Background(), pw, d); ok || err != nil {
			t.Fatalf("Compare(%q, dummy) = %v, %v; want false, nil", pw, ok, err)
		}
	}
	h.CompareDummy(context.Background(), "anything") // must not panic nor block
}

func TestHashStopsWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	h := mustHasher(t, cheap)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "a fine password"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled context: %v; want context.Canceled", err)
	}
	if _, err := h.Compare(ctx, "a fine password", h.DummyHash()); !errors.Is(err, context.Canceled) {
		t.Fatalf("Compare with a cancelled context: %v; want context.Canceled", err)
	}
}

func TestNewHasherRejectsUnsafeParameters(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		change func(*password.Params)
	}{
		{"no threads", func(p *password.Params) { p.Threads = 0 }},
		{"memory below 8 KiB per thread", func(p *password.Params) { p.Threads, p.Memory = 4, 16 }},
		{"memory over 1 GiB", func(p *password.Params) { p.Memory = 2 << 20 }},
		{"no passes", func(p *password.Params) { p.Time = 0 }},
		{"short salt", func(p *password.Params) { p.SaltLen = 4 }},
		{"short key", func(p *password.Params) { p.KeyLen = 8 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := cheap
			tt.change(&p)
			if _, err := password.NewHasher(p); err == nil {
				t.Fatalf("NewHasher(%+v) succeeded", p)
			}
		})
	}
	if err := password.DefaultParams.Validate(); err != nil {
		t.Fatalf("DefaultParams: %v", err)
	}
}
