package main

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"backbone/ent/user"
	"backbone/internal/errs"
)

// seededState is what a second seed must leave untouched: each user's last update, and
// the number of audit rows.
func seededState(t *testing.T, databaseURL string) (map[string]time.Time, int) {
	t.Helper()
	ctx, c := cmdOpenDB(t, databaseURL)
	state := map[string]time.Time{}
	for _, u := range c.User.Query().AllX(ctx) {
		state[u.Email] = u.UpdatedAt
	}
	return state, c.AuditLog.Query().CountX(ctx)
}

func TestSeedIsIdempotentAndItsAccountsSignInWithTheDocumentedPasswords(t *testing.T) {
	t.Parallel()
	for _, d := range cmdDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			env := cmdEnv(d.url(t))
			out := cmdMustRun(t, env, "seed")
			for _, u := range demoUsers {
				if !strings.Contains(out, u.Email) || !strings.Contains(out, u.Password) {
					t.Fatalf("the output does not show %s and its password:\n%s", u.Email, out)
				}
			}
			users, audits := seededState(t, env["DATABASE_URL"])
			if len(users) != len(demoUsers) || audits != len(demoUsers) {
				t.Fatalf("%d users and %d audit rows after seeding, want %d of each", len(users), audits, len(demoUsers))
			}

			// An admin approves the applicant; seeding again must not undo it.
			ctx, c := cmdOpenDB(t, env["DATABASE_URL"])
			c.User.Update().Where(user.ExpertStatusEQ(user.ExpertStatusPENDING)).SetExpertStatus(user.ExpertStatusAPPROVED).ExecX(ctx)
			// And drops a subject the applicant applied for: the seeded account is still
			// left alone (its subjects were once checked before it was found to exist).
			c.Setting.Create().SetKey("subjects").SetValue(json.RawMessage(`["Mathematics","Physics","Biology"]`)).ExecX(ctx)
			users, audits = seededState(t, env["DATABASE_URL"])
			cmdMustRun(t, env, "seed")
			again, auditsAgain := seededState(t, env["DATABASE_URL"])
			if auditsAgain != audits || len(again) != len(users) {
				t.Fatalf("a second seed wrote: %d users, %d audit rows; before %d, %d", len(again), auditsAgain, len(users), audits)
			}
			for email, at := range users {
				if !again[email].Equal(at) {
					t.Fatalf("a second seed updated %s", email)
				}
			}

			ts := startServer(t, env)
			var admin cmdSession
			for _, u := range demoUsers {
				s := cmdSignIn(t, ts, u.Email, u.Password)
				if s.User.Role != string(u.Role) {
					t.Fatalf("%s signed in as %s, want %s", u.Email, s.User.Role, u.Role)
				}
				if u.Role == user.RoleADMIN {
					admin = s
				}
			}
			if n := cmdUserCount(t, ts, admin.AccessToken); n != len(demoUsers) {
				t.Fatalf("users.totalCount %d, want %d", n, len(demoUsers))
			}
		})
	}
}

func TestSeedIsRefusedInProduction(t *testing.T) {
	t.Parallel()
	for _, d := range cmdDatabases {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			// A valid production configuration: only the refusal may stop the seed.
			env := cmdEnv(d.url(t), "APP_ENV", "production", "JWT_SECRET", "seed-refusal-test-secret-0123456789abcdef", "DATA_ENCRYPTION_KEYS", testDataKeys)
			_, err := cmdRun(t, env, "seed")
			if errs.CodeOf(err) != errs.Forbidden {
				t.Fatalf("err %v, want %s", err, errs.Forbidden)
			}
			if path, ok := strings.CutPrefix(env["DATABASE_URL"], "sqlite://"); ok {
				if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the refused seed touched the database file: %v", err)
				}
				return
			}
			ctx, c := cmdOpenDB(t, env["DATABASE_URL"])
			if _, err := c.User.Query().Count(ctx); err == nil {
				t.Fatal("the refused seed created the users table")
			}
		})
	}
}

func TestSeedTakesNoArguments(t *testing.T) {
	t.Parallel()
	_, err := cmdRun(t, cmdEnv("sqlite://"+t.TempDir()+"/unused.db"), "seed", "--force")
	if !errors.Is(err, errUsage) {
		t.Fatalf("err %v, want a usage error", err)
	}
}
