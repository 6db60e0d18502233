package password_test

import (
	"context"
	"testing"

	"backbone/internal/auth/password"
)

// BenchmarkHashDefault shows the production cost of one hash (and so of one login).
func BenchmarkHashDefault(b *testing.B) {
	h := mustHasher(b, password.DefaultParams)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompareDummyDefault is the cost of a login for an unknown email.
func BenchmarkCompareDummyDefault(b *testing.B) {
	h := mustHasher(b, password.DefaultParams)
	ctx := context.Background()
	for b.Loop() {
		h.CompareDummy(ctx, "correct horse battery staple")
	}
}

// BenchmarkCheckStrength covers the worst case the strength window allows.
func BenchmarkCheckStrength(b *testing.B) {
	pw := "aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!aA1!"
	for b.Loop() {
		_ = password.CheckStrength(pw, "alice.smith@example.com", "Alice Smith")
	}
}
