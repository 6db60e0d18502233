package auth_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"testing"

	"golang.org/x/crypto/argon2"

	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// loginEnv is the auth service over a fresh database with one account.
type loginEnv struct {
	svc   *auth.Service
	email string
}

func newLoginEnv(t *testing.T) *loginEnv {
	t.Helper()
	svc := newService(t, dbtest.Open(t, testenv.NewSQLiteURL(t)))
	email := testenv.RandomName("owner") + "@example.com"
	if _, err := svc.Register(from("192.0.2.1"), auth.RegisterInput{Email: email, Password: testPassword, DisplayName: "Owner"}); err != nil {
		t.Fatal(err)
	}
	return &loginEnv{svc: svc, email: email}
}

// login tries a password on email from ip and returns the error code, "" on success.
func (e *loginEnv) login(t *testing.T, ip, email, pw string) errs.Code {
	t.Helper()
	tok, err := e.svc.Login(from(ip), email, pw)
	if err != nil {
		return errs.CodeOf(err)
	}
	if tok.AccessToken == "" {
		t.Fatalf("login from %s: no token", ip)
	}
	return ""
}

// TestWrongPasswordsFromOneAddressDoNotLockTheOwnerOut: an address that keeps guessing
// is refused, and the owner, elsewhere, signs in.
func TestWrongPasswordsFromOneAddressDoNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t)
	const attacker = "203.0.113.7"
	var codes []errs.Code
	for range 15 {
		codes = append(codes, e.login(t, attacker, e.email, "wrong password, attempt"))
	}
	if code := e.login(t, "198.51.100.9", e.email, testPassword); code != "" {
		t.Fatalf("the owner from another address after 15 wrong passwords elsewhere: %q, want signed in", code)
	}
	burst := auth.DefaultLimits.LoginPerAccountIP.Burst
	for i, code := range codes {
		want := errs.Unauthenticated
		if i >= burst {
			want = errs.RateLimited
		}
		if code != want {
			t.Fatalf("wrong password %d from the attacking address: %q, want %q", i+1, code, want)
		}
	}
	if code := e.login(t, attacker, e.email, testPassword); code != errs.RateLimited {
		t.Fatalf("the right password from the attacking address: %q, want RATE_LIMITED", code)
	}
}

// TestAnAccountUnderAttackAdmitsOneGuessPerAddress: guesses from many addresses put the
// account under attack; then each address gets one more guess, not five, and the owner
// still signs in from an address of their own.
func TestAnAccountUnderAttackAdmitsOneGuessPerAddress(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t)
	hot := auth.DefaultLimits.LoginPerAccount.Burst
	addrs := make([]string, hot+5)
	for i := range addrs {
		addrs[i] = fmt.Sprintf("203.0.113.%d", i+10)
		if code := e.login(t, addrs[i], e.email, "wrong password"); code != errs.Unauthenticated {
			t.Fatalf("first guess from %s: %q, want UNAUTHENTICATED", addrs[i], code)
		}
	}
	// Under attack: the addresses that guessed before the account was attacked get one
	// guess more, those that guessed under attack have had theirs.
	for i, ip := range addrs {
		want := errs.Unauthenticated
		if i >= hot {
			want = errs.RateLimited
		}
		if code := e.login(t, ip, e.email, "wrong password"); code != want {
			t.Fatalf("second guess from %s (address %d): %q, want %q", ip, i+1, code, want)
		}
	}
	for _, ip := range addrs {
		if code := e.login(t, ip, e.email, "wrong password"); code != errs.RateLimited {
			t.Fatalf("third guess from %s: %q, want RATE_LIMITED", ip, code)
		}
	}
	if code := e.login(t, "198.51.100.9", e.email, testPassword); code != "" {
		t.Fatalf("the owner from a clean address during the attack: %q, want signed in", code)
	}
}

// TestSprayingFromOneAddressIsLimited: one address trying a password on many accounts
// is refused once past its budget, whichever account it names; other addresses are not.
func TestSprayingFromOneAddressIsLimited(t *testing.T) {
	t.Parallel()
	e := newLoginEnv(t)
	budget := auth.DefaultLimits.LoginPerIP.Burst
	for i := 1; i <= budget+1; i++ {
		want := errs.Unauthenticated
		if i > budget {
			want = errs.RateLimited
		}
		target := fmt.Sprintf("user%d@example.com", i)
		if code := e.login(t, "203.0.113.99", target, testPassword); code != want {
			t.Fatalf("attempt %d on %s: %q, want %q", i, target, code, want)
		}
	}
	if code := e.login(t, "203.0.113.99", e.email, testPassword); code != errs.RateLimited {
		t.Fatalf("the spraying address on a real account: %q, want RATE_LIMITED", code)
	}
	if code := e.login(t, "198.51.100.9", e.email, testPassword); code != "" {
		t.Fatalf("the owner from another address: %q, want signed in", code)
	}
}

// TestAPasswordSetUnderAnOlderPolicyStillSignsIn: login compares whatever it is given, as
// Compare promises ("a policy change never locks out an existing user"): a password
// shorter than today's minimum, stored before, signs in; a wrong short one is refused.
func TestAPasswordSetUnderAnOlderPolicyStillSignsIn(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	svc := newService(t, d)
	email := testenv.RandomName("legacy") + "@example.com"
	if _, err := svc.Register(from("192.0.2.1"), auth.RegisterInput{Email: email, Password: testPassword, DisplayName: "Legacy"}); err != nil {
		t.Fatal(err)
	}
	// Hash refuses it now, so the stored hash is written as the hasher writes one (PHC).
	const old = "abc12" // under password.MinLength
	salt := []byte("0123456789abcdef")
	p := cheapHashes
	hash := fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(argon2.IDKey([]byte(old), salt, p.Time, p.Memory, p.Threads, p.KeyLen)))
	d.Client.User.Update().Where(user.Email(email)).SetPasswordHash(hash).ExecX(db.System(context.Background()))
	e := &loginEnv{svc: svc, email: email}
	if code := e.login(t, "192.0.2.2", email, "abc13"); code != errs.Unauthenticated {
		t.Fatalf("a wrong short password: %q, want UNAUTHENTICATED", code)
	}
	if code := e.login(t, "192.0.2.2", email, old); code != "" {
		t.Fatalf("the account's own short password: %q, want signed in", code)
	}
}
