package auth_test

import (
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/auth"
	"backbone/internal/auth/token"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestExpiredAPIKeysLeaveRoomForNewOnes: the limit counts the keys that still work, so
// keys that expired do not have to be revoked before another is made.
func TestExpiredAPIKeysLeaveRoomForNewOnes(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	t0 := time.Now().Truncate(time.Second)
	clk := &testClock{t: t0}
	in := newInstance(t, d, token.Ephemeral(), clk)
	session, err := in.svc.Register(from("192.0.2.1"), auth.RegisterInput{
		Email: testenv.RandomName("u") + "@example.com", Password: testPassword, DisplayName: "Test"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := viewer.With(from("192.0.2.1"), viewer.Principal{UserID: session.User.ID, Role: string(session.User.Role), SessionID: uuid.New()})
	soon := t0.Add(time.Hour)
	for range 20 {
		if _, err := in.svc.CreateAPIKey(ctx, "short-lived", []string{viewer.ScopeRead}, &soon); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := in.svc.CreateAPIKey(ctx, "one too many", []string{viewer.ScopeRead}, nil); errs.CodeOf(err) != errs.Conflict {
		t.Fatalf("a 21st working key: %v, want CONFLICT", err)
	}
	clk.set(soon)
	if _, err := in.svc.CreateAPIKey(ctx, "after they expired", []string{viewer.ScopeRead}, nil); err != nil {
		t.Fatalf("a key once the others expired: %v", err)
	}
}
