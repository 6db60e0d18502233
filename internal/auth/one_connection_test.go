package auth_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestEveryAuthFlowRunsOnOneConnection runs the auth service's transactions on a pool of
// one connection: one that also used the pool while holding its transaction would wait
// for itself until the step's deadline.
func TestEveryAuthFlowRunsOnOneConnection(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	svc := newService(t, d)
	admin, err := d.Client.User.Create().SetEmail(testenv.RandomName("admin") + "@example.com").
		SetDisplayName("Admin").SetPasswordHash("unusable").SetRole(user.RoleADMIN).
		Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	asAdmin := viewer.With(from("192.0.2.2"), viewer.Principal{UserID: admin.ID, Role: string(user.RoleADMIN)})
	d.SQL.SetMaxOpenConns(1)

	step := func(name string, ctx context.Context, fn func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := fn(ctx); err != nil {
			t.Fatalf("%s on one connection: %v", name, err)
		}
	}
	email := testenv.RandomName("u") + "@example.com"
	var tok *auth.Tokens
	step("register", from("192.0.2.1"), func(ctx context.Context) (err error) {
		tok, err = svc.Register(ctx, auth.RegisterInput{Email: email, Password: testPassword, DisplayName: "Test"})
		return err
	})
	step("wrong password", from("192.0.2.1"), func(ctx context.Context) error {
		if _, err := svc.Login(ctx, email, "wrong password"); !errs.Is(err, errs.Unauthenticated) {
			return err
		}
		return nil
	})
	step("login", from("192.0.2.1"), func(ctx context.Context) (err error) {
		tok, err = svc.Login(ctx, email, testPassword)
		return err
	})
	used := tok.RefreshToken
	step("refresh", from("192.0.2.1"), func(ctx context.Context) (err error) {
		tok, err = svc.Refresh(ctx, used)
		return err
	})
	step("refresh token reused", from("192.0.2.1"), func(ctx context.Context) error {
		if _, err := svc.Refresh(ctx, used); !errs.Is(err, errs.Unauthenticated) {
			return err
		}
		return nil
	})
	step("login again", from("192.0.2.1"), func(ctx context.Context) (err error) {
		tok, err = svc.Login(ctx, email, testPassword)
		return err
	})
	p, err := svc.Authenticate(context.Background(), auth.Credentials{Authorization: "Bearer " + tok.AccessToken})
	if err != nil {
		t.Fatal(err)
	}
	me := viewer.With(from("192.0.2.1"), p)
	step("changePassword", me, func(ctx context.Context) error {
		return svc.ChangePassword(ctx, testPassword, testPassword+" and more")
	})
	var key *auth.NewAPIKey
	step("createApiKey", me, func(ctx context.Context) (err error) {
		key, err = svc.CreateAPIKey(ctx, "ci", []string{viewer.ScopeRead}, nil)
		return err
	})
	step("API key use", context.Background(), func(ctx context.Context) error {
		_, err := svc.Authenticate(ctx, auth.Credentials{APIKey: key.Secret})
		return err
	})
	step("revokeApiKey", me, func(ctx context.Context) error { _, err := svc.RevokeAPIKey(ctx, key.Key.ID); return err })
	step("logout", me, func(ctx context.Context) error { return svc.Logout(ctx, true) })
	step("setUserRole", asAdmin, func(ctx context.Context) error {
		_, err := svc.SetUserRole(ctx, p.UserID, user.RoleEXPERT)
		return err
	})
	step("suspendUser", asAdmin, func(ctx context.Context) error {
		_, err := svc.SuspendUser(ctx, p.UserID, "test")
		return err
	})
	step("reactivateUser", asAdmin, func(ctx context.Context) error {
		_, err := svc.ReactivateUser(ctx, p.UserID)
		return err
	})
	var applicant uuid.UUID
	step("register an expert", from("192.0.2.3"), func(ctx context.Context) error {
		tok, err := svc.Register(ctx, auth.RegisterInput{Email: testenv.RandomName("x") + "@example.com",
			Password: testPassword, DisplayName: "Expert", Expert: &auth.ExpertApplication{Subjects: []string{"Physics"}, Bio: "Physicist"}})
		if err == nil {
			applicant = tok.User.ID
		}
		return err
	})
	step("decideExpert", asAdmin, func(ctx context.Context) error {
		_, err := svc.DecideExpert(ctx, applicant, true, "welcome")
		return err
	})
}
