package token_test

import (
	"strings"
	"testing"
	"time"

	"backbone/internal/auth/token"
	"backbone/internal/errs"
)

func TestIssueThenVerifyRoundTripsTheClaims(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, mustKeys(t, "k1:"+secretA))
	tok, issued, err := iss.Issue("user-42", "EXPERT", "sess-9")
	if err != nil {
		t.Fatal(err)
	}
	got, err := iss.Verify(tok)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got.Subject != "user-42" || got.Role != "EXPERT" || got.SessionID != "sess-9" ||
		got.Issuer != testIss || len(got.Audience) != 1 || got.Audience[0] != testAud {
		t.Fatalf("claims %+v", got)
	}
	if got.ID == "" || got.ID != issued.ID {
		t.Fatalf("jti %q, issued %q: want equal and set", got.ID, issued.ID)
	}
	if !got.IssuedAt.Equal(t0) || !got.NotBefore.Equal(t0) || !got.ExpiresAt.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("times iat=%v nbf=%v exp=%v", got.IssuedAt, got.NotBefore, got.ExpiresAt)
	}
	if _, second, _ := iss.Issue("user-42", "EXPERT", "sess-9"); second.ID == issued.ID {
		t.Fatal("two tokens share a jti")
	}
}

func TestVerifyFollowsKeyRotation(t *testing.T) {
	t.Parallel()
	before := newIssuer(t, mustKeys(t, "old:"+secretA))
	during := newIssuer(t, mustKeys(t, "new:"+secretB+",old:"+secretA))
	after := newIssuer(t, mustKeys(t, "new:"+secretB))

	oldTok, _, _ := before.Issue("u", "CLIENT", "s")
	newTok, _, _ := during.Issue("u", "CLIENT", "s")
	if _, err := during.Verify(oldTok); err != nil {
		t.Fatalf("an older key no longer verifies during rotation: %v", err)
	}
	if _, err := after.Verify(newTok); err != nil {
		t.Fatalf("the new signer's token fails after rotation: %v", err)
	}
	wantUnauthenticated(t, func() error { _, err := after.Verify(oldTok); return err }(), "invalid")
	wantUnauthenticated(t, func() error { _, err := before.Verify(newTok); return err }(), "invalid")
}

func TestVerifyChecksTime(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, mustKeys(t, "k1:"+secretA))
	tok, _, _ := iss.Issue("u", "CLIENT", "s")
	tests := []struct {
		name   string
		now    time.Time
		reason string // "" means accepted
	}{
		{"at issue", t0, ""},
		{"just before expiry", t0.Add(15*time.Minute - time.Second), ""},
		{"expired within the leeway", t0.Add(15*time.Minute + 4*time.Second), ""},
		{"expired past the leeway", t0.Add(15*time.Minute + 5*time.Second), "expired"},
		{"long expired", t0.Add(24 * time.Hour), "expired"},
		{"clock slightly behind the issuer", t0.Add(-5 * time.Second), ""},
		{"clock behind the issuer past the leeway", t0.Add(-6 * time.Second), "invalid"},
		{"issued in the future", t0.Add(-2 * time.Minute), "invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := at(iss, tt.now).Verify(tok)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				return
			}
			wantUnauthenticated(t, err, tt.reason)
		})
	}
}

func TestVerifyRejectsHostileTokens(t *testing.T) {
	t.Parallel()
	iss := newIssuer(t, mustKeys(t, "k1:"+secretA+",k2:"+secretB))
	good, _, _ := iss.Issue("u", "CLIENT", "s")
	parts := strings.Split(good, ".")
	hs := map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k1"}
	header := func(changes map[string]any) map[string]any {
		h := map[string]any{}
		for k, v := range hs {
			h[k] = v
		}
		for k, v := range changes {
			if v == nil {
				delete(h, k)
			} else {
				h[k] = v
			}
		}
		return h
	}
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tests := []struct{ name, token string }{
		{"empty", ""},
		{"not a JWT", "hello"},
		{"two segments", parts[0] + "." + parts[1]},
		{"four segments", good + ".x"},
		{"padded segments", parts[0] + "=." + parts[1] + "." + parts[2]},
		{"non-UTF-8", good[:10] + "\xff\xfe" + good[12:]},
		{"non-ASCII letters", "é" + good},
		{"spaces", " " + good},
		{"bearer prefix left on", "Bearer " + good},
		{"huge", good + strings.Repeat("A", token.MaxTokenLen)},
		{"header not JSON", "bm90IGpzb24." + parts[1] + "." + parts[2]},
		{"tampered payload", parts[0] + "." + flip(parts[1], 5) + "." + parts[2]},
		{"tampered signature", parts[0] + "." + parts[1] + "." + flip(parts[2], 3)},
		{"signature with non-zero padding bits (same bytes, other spelling)", parts[0] + "." + parts[1] + "." + setPaddingBits(parts[2])},
		{"no signature", parts[0] + "." + parts[1] + "."},
		{"alg none", sign(t, header(map[string]any{"alg": "none"}), validClaims(), "")[:len(parts[0])+len(parts[1])+1] + "."},
		{"alg none signed", sign(t, header(map[string]any{"alg": "none"}), validClaims(), secretA)},
		{"RS256 header with the HMAC key (key confusion)", sign(t, header(map[string]any{"alg": "RS256"}), validClaims(), secretA)},
		{"HS512 header", sign(t, header(map[string]any{"alg": "HS512"}), validClaims(), secretA)},
		{"no kid", sign(t, header(map[string]any{"kid": nil}), validClaims(), secretA)},
		{"unknown kid", sign(t, header(map[string]any{"kid": "k3"}), validClaims(), secretA)},
		{"kid not a string", sign(t, header(map[string]any{"kid": 1}), validClaims(), secretA)},
		{"kid of another key", sign(t, header(map[string]any{"kid": "k2"}), validClaims(), secretA)},
		{"wrong secret", sign(t, hs, validClaims(), strings.Repeat("z", 32))},
		{"empty secret", sign(t, hs, validClaims(), "")},
		{"wrong issuer", sign(t, hs, claimsWith(map[string]any{"iss": "https://evil.test"}), secretA)},
		{"no issuer", sign(t, hs, claimsWith(map[string]any{"iss": nil}), secretA)},
		{"wrong audience", sign(t, hs, claimsWith(map[string]any{"aud": []string{"other"}}), secretA)},
		{"no audience", sign(t, hs, claimsWith(map[string]any{"aud": nil}), secretA)},
		{"no expiry", sign(t, hs, claimsWith(map[string]any{"exp": nil}), secretA)},
		{"expiry as a string", sign(t, hs, claimsWith(map[string]any{"exp": "soon"}), secretA)},
		{"not valid yet", sign(t, hs, claimsWith(map[string]any{"nbf": t0.Add(time.Hour).Unix()}), secretA)},
		{"issued in the future", sign(t, hs, claimsWith(map[string]any{"iat": t0.Add(time.Hour).Unix()}), secretA)},
		{"no subject", sign(t, hs, claimsWith(map[string]any{"sub": nil}), secretA)},
		{"no token id", sign(t, hs, claimsWith(map[string]any{"jti": nil}), secretA)},
		{"claims not an object", sign(t, hs, []int{1, 2}, secretA)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := iss.Verify(tt.token)
			if c != nil {
				t.Fatalf("Verify accepted it: %+v", c)
			}
			wantUnauthenticated(t, err, "invalid")
		})
	}
	// The hand-made signer itself is right: the same claims, correctly signed, pass.
	if _, err := iss.Verify(sign(t, hs, validClaims(), secretA)); err != nil {
		t.Fatalf("a correctly hand-signed token fails: %v", err)
	}
}

// setPaddingBits sets the unused low bits of the last character of an unpadded base64url
// string of 32 bytes: a lenient decoder reads the same bytes from it.
func setPaddingBits(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	v := strings.IndexByte(alphabet, s[len(s)-1])
	return s[:len(s)-1] + string(alphabet[v|1])
}

func TestIncompleteIssuerFailsAsInternal(t *testing.T) {
	t.Parallel()
	ks := mustKeys(t, "k1:"+secretA)
	tests := []struct {
		name string
		iss  *token.Issuer
	}{
		{"nil", nil},
		{"no keys", &token.Issuer{Issuer: testIss, Audience: testAud, TTL: time.Minute}},
		{"no issuer", &token.Issuer{Keys: ks, Audience: testAud, TTL: time.Minute}},
		{"no audience", &token.Issuer{Keys: ks, Issuer: testIss, TTL: time.Minute}},
		{"no TTL", &token.Issuer{Keys: ks, Issuer: testIss, Audience: testAud}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if _, _, err := tt.iss.Issue("u", "CLIENT", "s"); errs.CodeOf(err) != errs.Internal {
				t.Fatalf("Issue: %v; want INTERNAL", err)
			}
			if _, err := tt.iss.Verify("a.b.c"); errs.CodeOf(err) != errs.Internal {
				t.Fatalf("Verify: %v; want INTERNAL", err)
			}
		})
	}
	if _, _, err := newIssuer(t, ks).Issue("", "CLIENT", "s"); errs.CodeOf(err) != errs.Internal {
		t.Fatalf("Issue with no subject: %v; want INTERNAL", err)
	}
}
