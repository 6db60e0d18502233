package token_test

import (
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/auth/token"
)

// clockIssuer returns an issuer over one key whose clock reads *now.
func clockIssuer(tb testing.TB, now *atomic.Pointer[time.Time]) *token.Issuer {
	tb.Helper()
	iss := newIssuer(tb, mustKeys(tb, "k1:"+secretA))
	iss.Now = func() time.Time { return *now.Load() }
	return iss
}

// A remembered token is accepted exactly when Verify accepts it: once verified at issue,
// the same times as TestVerifyChecksTime give the same answers, however often asked.
func TestVerifiedAcceptsOnlyWithinVerifysWindow(t *testing.T) {
	t.Parallel()
	times := []struct {
		name   string
		now    time.Time
		reason string
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
	for _, tt := range times {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var now atomic.Pointer[time.Time]
			start := t0
			now.Store(&start)
			iss := clockIssuer(t, &now)
			tok, _, err := iss.Issue("user-1", "CLIENT", "sess-1")
			if err != nil {
				t.Fatal(err)
			}
			v := token.NewVerified(iss, 10)
			if _, err := v.Verify(tok); err != nil {
				t.Fatalf("first Verify: %v", err)
			}
			later := tt.now
			now.Store(&later)
			for range 2 {
				c, err := v.Verify(tok)
				if tt.reason != "" {
					if c != nil {
						t.Fatalf("accepted from memory: %+v", c)
					}
					wantUnauthenticated(t, err, tt.reason)
					continue
				}
				if err != nil || c.Subject != "user-1" || c.SessionID != "sess-1" || c.Role != "CLIENT" {
					t.Fatalf("Verify = %+v, %v", c, err)
				}
			}
		})
	}
}

// A refused token is refused every time (nothing about it is remembered), and a caller
// that changes the claims it got does not change what the next caller gets.
func TestVerifiedRefusesForgeriesAndHandsOutCopies(t *testing.T) {
	t.Parallel()
	var now atomic.Pointer[time.Time]
	start := t0
	now.Store(&start)
	iss := clockIssuer(t, &now)
	v := token.NewVerified(iss, 10)
	forged := sign(t, map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k1"}, validClaims(), secretB)
	for range 2 {
		c, err := v.Verify(forged)
		if c != nil {
			t.Fatalf("forgery accepted: %+v", c)
		}
		wantUnauthenticated(t, err, "invalid")
	}
	tok, _, _ := iss.Issue("user-1", "CLIENT", "sess-1")
	first, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	first.Role, first.SessionID = "ADMIN", "other"
	second, err := v.Verify(tok)
	if err != nil || second.Role != "CLIENT" || second.SessionID != "sess-1" {
		t.Fatalf("second Verify = %+v, %v; want the token's own claims", second, err)
	}
}

// A cache of one forgets the older token when another comes; both keep verifying.
func TestVerifiedIsBounded(t *testing.T) {
	t.Parallel()
	var now atomic.Pointer[time.Time]
	start := t0
	now.Store(&start)
	iss := clockIssuer(t, &now)
	v := token.NewVerified(iss, 1)
	a, _, _ := iss.Issue("user-a", "CLIENT", "sess-a")
	b, _, _ := iss.Issue("user-b", "CLIENT", "sess-b")
	for _, tok := range []string{a, b, a, b} {
		if _, err := v.Verify(tok); err != nil {
			t.Fatal(err)
		}
	}
	if v.Len() != 1 {
		t.Fatalf("%d tokens remembered; want 1", v.Len())
	}
}
