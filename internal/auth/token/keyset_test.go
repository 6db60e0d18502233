package token_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"backbone/internal/auth/token"
)

var (
	secretA = strings.Repeat("a", 32)
	secretB = strings.Repeat("b", 40)
)

func TestFromSecretDerivesAStableKeyID(t *testing.T) {
	t.Parallel()
	ks1, err := token.FromSecret(secretA)
	if err != nil {
		t.Fatal(err)
	}
	ks2, _ := token.FromSecret(secretA)
	ks3, _ := token.FromSecret(secretB)
	id := ks1.SigningKeyID()
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(id) {
		t.Fatalf("kid %q: want 8 hex digits", id)
	}
	if ks2.SigningKeyID() != id || ks3.SigningKeyID() == id {
		t.Fatalf("kids %q %q %q: want equal for one secret, different for another", id, ks2.SigningKeyID(), ks3.SigningKeyID())
	}
	if strings.Contains(id, secretA[:8]) {
		t.Fatal("kid reveals the secret")
	}
}

func TestParseKeysMakesTheFirstKeyTheSigner(t *testing.T) {
	t.Parallel()
	ks, err := token.ParseKeys(" new:" + secretB + " , old:" + secretA + ":with:colons")
	if err != nil {
		t.Fatal(err)
	}
	if got := ks.KeyIDs(); ks.SigningKeyID() != "new" || !slices.Equal(got, []string{"new", "old"}) {
		t.Fatalf("signer %q, ids %v; want new, [new old]", ks.SigningKeyID(), got)
	}
}

func TestKeySetConfigurationErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, secret, keys string
	}{
		{"nothing set", "", ""},
		{"both set", secretA, "k1:" + secretB},
		{"short secret", "too-short", ""},
		{"31-byte secret", strings.Repeat("s", 31), ""},
		{"short secret in keys", "", "k1:" + secretA + ",k2:short"},
		{"entry without colon", "", "k1" + secretA},
		{"empty kid", "", ":" + secretA},
		{"empty secret", "", "k1:"},
		{"empty entry", "", "k1:" + secretA + ","},
		{"repeated kid", "", "k1:" + secretA + ",k1:" + secretB},
		{"kid with a slash", "", "k/1:" + secretA},
		{"kid too long", "", strings.Repeat("k", 65) + ":" + secretA},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if ks, err := token.FromConfig(tt.secret, tt.keys); err == nil {
				t.Fatalf("FromConfig accepted it: signer %q", ks.SigningKeyID())
			}
		})
	}
}

func TestEphemeralKeysDiffer(t *testing.T) {
	t.Parallel()
	a, b := newIssuer(t, token.Ephemeral()), newIssuer(t, token.Ephemeral())
	tok, _, err := a.Issue("user-1", "CLIENT", "sess-1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(tok); err == nil {
		t.Fatal("a token from one ephemeral key set verified with another")
	}
}
