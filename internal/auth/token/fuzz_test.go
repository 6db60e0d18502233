package token_test

import (
	"strings"
	"testing"
	"time"
)

// FuzzVerify asserts that Verify never panics, and accepts no token but the ones signed
// below: the fuzzer cannot sign, so anything else it makes must fail. The seeds are
// deterministic (fixed claims, fixed keys) because every fuzz worker process rebuilds them.
func FuzzVerify(f *testing.F) {
	iss := newIssuer(f, mustKeys(f, "k1:"+secretA+",k2:"+secretB))
	hs := func(kid string) map[string]any { return map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid} }
	signed := map[string]bool{
		sign(f, hs("k1"), validClaims(), secretA):                                               true,
		sign(f, hs("k2"), validClaims(), secretB):                                               true,
		sign(f, hs("k1"), claimsWith(map[string]any{"role": "ADMIN", "aud": testAud}), secretA): true,
	}
	for tok := range signed {
		if _, err := iss.Verify(tok); err != nil {
			f.Fatalf("seed %q does not verify: %v", tok, err)
		}
		f.Add(tok)
	}
	for _, bad := range []string{
		"", ".", "..", "a.b.c", "e30.e30.", "eyJhbGciOiJub25lIn0.e30.",
		sign(f, map[string]any{"alg": "RS256", "kid": "k1"}, validClaims(), secretA),
		sign(f, hs("k9"), validClaims(), secretA),
		sign(f, hs("k1"), claimsWith(map[string]any{"exp": t0.Add(-time.Hour).Unix()}), secretA),
		sign(f, hs("k1"), claimsWith(map[string]any{"exp": nil}), secretA),
		sign(f, hs("k1"), validClaims(), strings.Repeat("x", 32)),
		"\xff\xfe.\x00.\x80",
	} {
		f.Add(bad)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := iss.Verify(tok)
		if (c == nil) == (err == nil) {
			t.Fatalf("Verify(%q) = %v, %v: want exactly one of claims and error", tok, c, err)
		}
		if err == nil && !signed[tok] {
			t.Fatalf("Verify accepted a token it did not sign: %q", tok)
		}
	})
}
