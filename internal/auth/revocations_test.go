package auth_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/bus"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// shortTTL is the shortest access token lifetime the configuration allows.
const shortTTL = 10 * time.Second

// testClock is a clock the test moves.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

// instance is one server's auth service and revocation memory, on clk.
type instance struct {
	svc     *auth.Service
	revoked *auth.Revocations
}

func newInstance(t *testing.T, d *db.DB, keys *token.KeySet, clk *testClock) instance {
	t.Helper()
	return newInstanceTTL(t, d, keys, clk, shortTTL)
}

// newInstanceTTL is newInstance issuing access tokens for ttl. Each instance has a bus of
// its own: it learns of another's revocations from the database only.
func newInstanceTTL(t *testing.T, d *db.DB, keys *token.KeySet, clk *testClock, ttl time.Duration) instance {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	b := bus.NewMemory()
	t.Cleanup(func() { b.Close() })
	revoked := auth.NewRevocations(d.Client, b, log, ttl)
	svc := newServiceWith(t, d, keys, revoked, auth.Options{AccessTTL: ttl})
	auth.SetClock(svc, revoked, clk.Now)
	return instance{svc: svc, revoked: revoked}
}

// signedOut registers an account on in, signs its session out at once, and returns the
// access token it had.
func signedOut(t *testing.T, in instance) string {
	t.Helper()
	tok, err := in.svc.Register(from("192.0.2.1"), auth.RegisterInput{
		Email: testenv.RandomName("u") + "@example.com", Password: testPassword, DisplayName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := in.svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatalf("a fresh token: %v", err)
	}
	if err := in.svc.Logout(viewer.With(context.Background(), p), false); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

// TestALoggedOutTokenStaysRefused moves the clock on, a second at a time, from a logout
// until well past the token's expiry: the token is refused at every step, never
// accepted again once the memory of its revocation is cleaned up.
func TestALoggedOutTokenStaysRefused(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	t0 := time.Now()
	clk := &testClock{t: t0}
	in := newInstance(t, d, token.Ephemeral(), clk)
	tok := signedOut(t, in)
	for step := time.Duration(0); step <= 2*time.Minute; step += time.Second {
		clk.set(t0.Add(step))
		in.revoked.ForgetExpired()
		if _, err := in.svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok}); !errs.Is(err, errs.Unauthenticated) {
			t.Fatalf("%v after the logout: %v, want UNAUTHENTICATED", step, err)
		}
	}
}

// TestAnInstanceStartedAfterALogoutRefusesTheToken: an instance that starts while a
// signed-out token can still verify learns of its revocation from the database.
func TestAnInstanceStartedAfterALogoutRefusesTheToken(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	keys := token.Ephemeral()
	t0 := time.Now()
	clk := &testClock{t: t0}
	tok := signedOut(t, newInstance(t, d, keys, clk))
	clk.set(t0.Add(token.Lifetime(shortTTL) - time.Second))
	later := newInstance(t, d, keys, clk)
	if err := later.revoked.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err := later.svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok})
	if !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("the signed-out token on an instance started %v later: %v, want UNAUTHENTICATED",
			token.Lifetime(shortTTL)-time.Second, err)
	}
}

// TestATokenOutlivingTheLocalLifetimeIsCheckedInTheDatabase: instances with different
// ACCESS_TOKEN_TTLs share the database and keys. A signed-out session's token from the
// longer-lived instance stays refused on the shorter-lived one after its memory of the
// revocation lapsed, and on one started after the revocation left its window; a live
// session's token is accepted there, and refused once its revocation is learned.
func TestATokenOutlivingTheLocalLifetimeIsCheckedInTheDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	keys := token.Ephemeral()
	t0 := time.Now()
	clk := &testClock{t: t0}
	long := newInstanceTTL(t, d, keys, clk, 15*time.Minute)
	short := newInstance(t, d, keys, clk)
	authenticate := func(in instance, tok string) error {
		_, err := in.svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok})
		return err
	}

	tok := signedOut(t, long)
	if err := short.revoked.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	past := token.Lifetime(shortTTL) + time.Minute // past the short instance's memory
	clk.set(t0.Add(past))
	short.revoked.ForgetExpired()
	if err := authenticate(short, tok); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("the signed-out token %v later, its revocation forgotten: %v, want UNAUTHENTICATED", past, err)
	}
	started := newInstance(t, d, keys, clk)
	if err := started.revoked.Load(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := authenticate(started, tok); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("the signed-out token on an instance started %v later: %v, want UNAUTHENTICATED", past, err)
	}

	live, err := long.svc.Register(from("192.0.2.1"), auth.RegisterInput{
		Email: testenv.RandomName("u") + "@example.com", Password: testPassword, DisplayName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	clk.set(t0.Add(2 * past))
	if err := authenticate(short, live.AccessToken); err != nil {
		t.Fatalf("a live session's token %v old: %v", past, err)
	}
	p, err := long.svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + live.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := long.svc.Logout(viewer.With(context.Background(), p), false); err != nil {
		t.Fatal(err)
	}
	if err := short.revoked.Load(context.Background()); err != nil { // as its poll does
		t.Fatal(err)
	}
	if err := authenticate(short, live.AccessToken); !errs.Is(err, errs.Unauthenticated) {
		t.Fatalf("the token once its session's revocation is learned: %v, want UNAUTHENTICATED", err)
	}
}

// TestAKeysConnectionEndsWhenItsOwnersRoleChanges: a live connection opened with an API
// key acts with the role its owner had then. A role change closes it on the instance that
// made the change, and on an instance that missed the bus message (its own bus here) once
// it polls the database; a connection whose principal was read before the change but
// registers after it learned the change closes at once; one with the new role stays.
func TestAKeysConnectionEndsWhenItsOwnersRoleChanges(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	keys := token.Ephemeral()
	clk := &testClock{t: time.Now()}
	here, there := newInstance(t, d, keys, clk), newInstance(t, d, keys, clk)
	ctx := from("192.0.2.1")
	register := func(role user.Role) viewer.Principal {
		tok, err := here.svc.Register(ctx, auth.RegisterInput{
			Email: testenv.RandomName("u") + "@example.com", Password: testPassword, DisplayName: "Test"})
		if err != nil {
			t.Fatal(err)
		}
		d.Client.User.UpdateOneID(tok.User.ID).SetRole(role).ExecX(db.System(ctx))
		return viewer.Principal{UserID: tok.User.ID, Role: string(role)}
	}
	boss, owner := register(user.RoleADMIN), register(user.RoleADMIN)
	key, err := here.svc.CreateAPIKey(viewer.With(ctx, owner), "ops", []string{viewer.ScopeRead}, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyPrincipal := func(in instance) viewer.Principal {
		p, err := in.svc.Authenticate(ctx, auth.Credentials{APIKey: key.Secret})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	watch := func(in instance, p viewer.Principal) chan struct{} {
		ended := make(chan struct{})
		t.Cleanup(in.svc.WatchRole(p, func() { close(ended) }))
		return ended
	}
	ended := func(c chan struct{}) bool {
		select {
		case <-c:
			return true
		default:
			return false
		}
	}
	asAdmin := keyPrincipal(here)
	if asAdmin.Role != viewer.RoleAdmin {
		t.Fatalf("the key acts as %s, want ADMIN", asAdmin.Role)
	}
	onHere, onThere := watch(here, asAdmin), watch(there, asAdmin)

	if _, err := here.svc.SetUserRole(viewer.With(ctx, boss), owner.UserID, user.RoleCLIENT); err != nil {
		t.Fatal(err)
	}
	if !ended(onHere) {
		t.Error("the instance that changed the role kept the key's connection open")
	}
	if ended(onThere) {
		t.Fatal("the other instance closed the connection before it learned of the change")
	}
	if err := there.revoked.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !ended(onThere) {
		t.Error("the poll of the other instance did not close the key's connection")
	}
	if !ended(watch(there, asAdmin)) {
		t.Error("a connection authenticated as ADMIN before the change, registered after, stays open")
	}
	asClient := keyPrincipal(there)
	if asClient.Role != viewer.RoleClient || ended(watch(there, asClient)) {
		t.Errorf("a connection authenticated after the change (as %s) was closed", asClient.Role)
	}
}
