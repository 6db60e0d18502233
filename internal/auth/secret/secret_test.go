package secret_test

import (
	"bytes"
	"crypto/sha256"
	"testing"

	"backbone/internal/auth/secret"
	"backbone/internal/errs"
)

func TestNewRefreshTokenIsRandomAndHashed(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		plain, hash := secret.NewRefreshToken()
		if len(plain) != secret.RefreshTokenLen || seen[plain] {
			t.Fatalf("token %q: wrong length or repeated", plain)
		}
		seen[plain] = true
		sum := sha256.Sum256([]byte(plain))
		if !bytes.Equal(hash, sum[:]) || !bytes.Equal(secret.HashToken(plain), hash) {
			t.Fatal("hash is not the SHA-256 of the token")
		}
		got, err := secret.ParseRefreshToken(plain)
		if err != nil || !secret.Equal(got, hash) {
			t.Fatalf("ParseRefreshToken(own token) = %x, %v", got, err)
		}
	}
}

func TestParseRefreshTokenRejectsMalformedTokens(t *testing.T) {
	t.Parallel()
	good, _ := secret.NewRefreshToken()
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"one character short", good[1:]},
		{"one character long", good + "A"},
		{"padded", good[:42] + "="},
		{"standard base64 alphabet", good[:42] + "+"},
		{"non-ASCII", good[:41] + "é"},
		{"newline inside", good[:20] + "\n" + good[21:]},
		{"non-zero padding bits", good[:42] + "B"}, // 'B' sets a bit a lenient decoder ignores
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, err := secret.ParseRefreshToken(tt.token); errs.CodeOf(err) != errs.Unauthenticated {
				t.Fatalf("ParseRefreshToken(%q): %v; want UNAUTHENTICATED", tt.token, err)
			}
		})
	}
}

func TestEqual(t *testing.T) {
	t.Parallel()
	a := secret.HashToken("a")
	tests := []struct {
		name string
		x, y []byte
		want bool
	}{
		{"same hash", a, secret.HashToken("a"), true},
		{"other hash", a, secret.HashToken("b"), false},
		{"prefix", a, a[:16], false},
		{"empty against hash", nil, a, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := secret.Equal(tt.x, tt.y); got != tt.want {
				t.Fatalf("Equal = %v; want %v", got, tt.want)
			}
		})
	}
}
