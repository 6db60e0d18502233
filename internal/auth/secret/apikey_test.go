package secret_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"backbone/internal/auth/secret"
	"backbone/internal/errs"
)

var keyShape = regexp.MustCompile(`^bb_(live|test)_([a-z2-7]{8})_[a-z2-7]{48}$`)

func TestNewAPIKeyRoundTripsThroughParse(t *testing.T) {
	t.Parallel()
	for _, env := range []string{secret.EnvLive, secret.EnvTest} {
		plain, prefix, hash := secret.NewAPIKey(env)
		m := keyShape.FindStringSubmatch(plain)
		if m == nil || m[1] != env || m[2] != prefix {
			t.Fatalf("key %q (prefix %q) is not bb_%s_<prefix>_<secret>", plain, prefix, env)
		}
		gotPrefix, gotHash, err := secret.ParseAPIKey(plain)
		if err != nil || gotPrefix != prefix || !secret.Equal(gotHash, hash) {
			t.Fatalf("ParseAPIKey = %q, %x, %v; want %q, %x, nil", gotPrefix, gotHash, err, prefix, hash)
		}
		if !bytes.Equal(hash, secret.HashToken(plain)) {
			t.Fatal("hash is not HashToken of the whole key")
		}
	}
	a, pa, _ := secret.NewAPIKey(secret.EnvLive)
	b, pb, _ := secret.NewAPIKey(secret.EnvLive)
	if a == b || pa == pb {
		t.Fatal("two keys or prefixes are equal")
	}
}

func TestNewAPIKeyPanicsOnUnknownEnvironment(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewAPIKey(\"prod\") did not panic")
		}
	}()
	secret.NewAPIKey("prod")
}

func TestParseAPIKeyRejectsMalformedKeys(t *testing.T) {
	t.Parallel()
	good, _, _ := secret.NewAPIKey(secret.EnvLive)
	parts := strings.Split(good, "_") // bb, live, prefix, secret
	join := func(p ...string) string { return strings.Join(p, "_") }
	tests := []struct{ name, key string }{
		{"empty", ""},
		{"other product", join("gh", parts[1], parts[2], parts[3])},
		{"unknown environment", join("bb", "prod", parts[2], parts[3])},
		{"uppercase environment", join("bb", "LIVE", parts[2], parts[3])},
		{"missing prefix", join("bb", "live", parts[3])},
		{"short prefix", join("bb", "live", parts[2][1:], parts[3])},
		{"short secret", join("bb", "live", parts[2], parts[3][1:])},
		{"long secret", join("bb", "live", parts[2], parts[3]+"a")},
		{"uppercase secret", join("bb", "live", parts[2], strings.ToUpper(parts[3]))},
		{"digit outside base32", join("bb", "live", parts[2], "1"+parts[3][1:])},
		{"newline in secret", join("bb", "live", parts[2], "\n"+parts[3][1:])},
		{"extra part", good + "_x"},
		{"trailing space", good + " "},
		{"bearer prefix left on", "Bearer " + good},
		{"non-UTF-8", join("bb", "live", parts[2], "\xff"+parts[3][1:])},
		{"huge", good + strings.Repeat("a", 1<<16)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix, hash, err := secret.ParseAPIKey(tt.key)
			if errs.CodeOf(err) != errs.Unauthenticated || prefix != "" || hash != nil {
				t.Fatalf("ParseAPIKey(%q) = %q, %x, %v; want UNAUTHENTICATED", tt.key, prefix, hash, err)
			}
		})
	}
}

func TestAPIKeyHashBindsEnvironmentAndPrefix(t *testing.T) {
	t.Parallel()
	live, _, liveHash := secret.NewAPIKey(secret.EnvLive)
	swapped := strings.Replace(live, "bb_live_", "bb_test_", 1)
	_, h, err := secret.ParseAPIKey(swapped)
	if err != nil || secret.Equal(h, liveHash) {
		t.Fatalf("the test-environment spelling of a live key hashes the same (err %v)", err)
	}
}

// FuzzParseAPIKey asserts that ParseAPIKey never panics, and that whatever it accepts has
// the documented shape, its prefix in the right place and the hash of the whole input.
func FuzzParseAPIKey(f *testing.F) {
	live, _, _ := secret.NewAPIKey(secret.EnvLive)
	test, _, _ := secret.NewAPIKey(secret.EnvTest)
	for _, s := range []string{live, test, "", "bb_", "bb_live__", "bb_live_aaaaaaaa_", live + "_", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, plain string) {
		prefix, hash, err := secret.ParseAPIKey(plain)
		if err != nil {
			if errs.CodeOf(err) != errs.Unauthenticated || prefix != "" || hash != nil {
				t.Fatalf("rejection %q, %x, %v: want only UNAUTHENTICATED", prefix, hash, err)
			}
			return
		}
		m := keyShape.FindStringSubmatch(plain)
		if m == nil || m[2] != prefix || !bytes.Equal(hash, secret.HashToken(plain)) {
			t.Fatalf("accepted %q with prefix %q, hash %x", plain, prefix, hash)
		}
	})
}
