package token_test

import (
	"testing"

	"backbone/internal/auth/token"
)

func BenchmarkIssue(b *testing.B) {
	iss := newIssuer(b, mustKeys(b, "k1:"+secretA))
	for b.Loop() {
		if _, _, err := iss.Issue("user-1", "CLIENT", "sess-1"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	iss := newIssuer(b, mustKeys(b, "k1:"+secretA+",k2:"+secretB))
	tok, _, err := iss.Issue("user-1", "CLIENT", "sess-1")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := iss.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRejectsForgery(b *testing.B) {
	iss := newIssuer(b, mustKeys(b, "k1:"+secretA))
	tok := sign(b, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k1"}, validClaims(), secretB)
	for b.Loop() {
		if _, err := iss.Verify(tok); err == nil {
			b.Fatal("forgery accepted")
		}
	}
}

func BenchmarkVerifiedHit(b *testing.B) {
	iss := newIssuer(b, mustKeys(b, "k1:"+secretA+",k2:"+secretB))
	tok, _, err := iss.Issue("user-1", "CLIENT", "sess-1")
	if err != nil {
		b.Fatal(err)
	}
	v := token.NewVerified(iss, 0)
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
