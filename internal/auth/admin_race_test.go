package auth_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/auditlog"
	"backbone/ent/privacy"
	"backbone/ent/user"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestAdminChangesDecideOnWhatAConcurrentChangeWrote holds a user's row while an admin
// changes that user, so that the change waits for the row; what another admin's change
// writes is then committed under the lock. The waiting change must decide on that, not
// on what it read before: a second decision on an application, or a second suspension,
// is CONFLICT; a role change clears the expert status the other change gave, and its audit
// row names the role it replaced.
func TestAdminChangesDecideOnWhatAConcurrentChangeWrote(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	svc := newService(t, d)
	asAdmin := adminContext(t, d)
	pending := user.ExpertStatusPENDING
	for _, tc := range []struct {
		name string
		// expertStatus is the user's before either change.
		expertStatus *user.ExpertStatus
		// meanwhile is what the other admin's change writes, committed while the change waits.
		meanwhile string
		change    func(ctx context.Context, id uuid.UUID) error
		// wantCode is the change's error code ("" for success); check looks at the user after.
		wantCode errs.Code
		check    func(t *testing.T, u *ent.User)
	}{{
		name:         "approveExpert after rejectExpert",
		expertStatus: &pending,
		meanwhile:    "UPDATE users SET expert_status = 'REJECTED' WHERE id = $1",
		change: func(ctx context.Context, id uuid.UUID) error {
			_, err := svc.DecideExpert(ctx, id, true, "")
			return err
		},
		wantCode: errs.Conflict,
		check: func(t *testing.T, u *ent.User) {
			if u.ExpertStatus == nil || *u.ExpertStatus != user.ExpertStatusREJECTED {
				t.Errorf("expert status %v, want REJECTED", u.ExpertStatus)
			}
			if n := auditCount(t, d, "expert.approved", u.ID); n != 0 {
				t.Errorf("%d expert.approved audit rows, want 0", n)
			}
		},
	}, {
		name:      "suspendUser after suspendUser",
		meanwhile: "UPDATE users SET status = 'SUSPENDED' WHERE id = $1",
		change: func(ctx context.Context, id uuid.UUID) error {
			_, err := svc.SuspendUser(ctx, id, "")
			return err
		},
		wantCode: errs.Conflict,
		check: func(t *testing.T, u *ent.User) {
			if n := auditCount(t, d, "user.suspended", u.ID); n != 0 {
				t.Errorf("%d user.suspended audit rows, want 0", n)
			}
		},
	}, {
		name:      "setUserRole CLIENT after setUserRole EXPERT",
		meanwhile: "UPDATE users SET role = 'EXPERT', expert_status = 'APPROVED' WHERE id = $1",
		change: func(ctx context.Context, id uuid.UUID) error {
			_, err := svc.SetUserRole(ctx, id, user.RoleCLIENT)
			return err
		},
		check: func(t *testing.T, u *ent.User) {
			if u.Role != user.RoleCLIENT || u.ExpertStatus != nil {
				t.Errorf("role %s, expert status %v; want CLIENT without one", u.Role, u.ExpertStatus)
			}
			row, err := d.Client.AuditLog.Query().Where(auditlog.Action("user.role_changed"), auditlog.TargetID(u.ID.String())).
				Only(db.System(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if row.Metadata["from"] != "EXPERT" || row.Metadata["expertStatusCleared"] != "APPROVED" {
				t.Errorf("audit metadata %v, want from EXPERT, expertStatusCleared APPROVED", row.Metadata)
			}
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			u := newUser(t, d, user.RoleCLIENT, tc.expertStatus)
			lock := holdRow(t, d, "users", u.ID)
			done := make(chan error, 1)
			go func() { done <- tc.change(asAdmin, u.ID) }()
			waitForLockWaiter(t, d, done)
			if _, err := lock.Exec(tc.meanwhile, u.ID); err != nil {
				t.Fatal(err)
			}
			if err := lock.Commit(); err != nil {
				t.Fatal(err)
			}
			err := <-done
			if tc.wantCode == "" && err != nil || tc.wantCode != "" && !errs.Is(err, tc.wantCode) {
				t.Fatalf("change after the other: %v, want code %q", err, tc.wantCode)
			}
			after, err := d.Client.User.Get(db.System(context.Background()), u.ID)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, after)
		})
	}
}

// adminContext is a request by a new admin.
func adminContext(t *testing.T, d *db.DB) context.Context {
	t.Helper()
	a := newUser(t, d, user.RoleADMIN, nil)
	return viewer.With(from("192.0.2.2"), viewer.Principal{UserID: a.ID, Role: string(user.RoleADMIN)})
}

// newUser creates an active user with this role and expert status.
func newUser(t *testing.T, d *db.DB, role user.Role, expertStatus *user.ExpertStatus) *ent.User {
	t.Helper()
	u, err := d.Client.User.Create().SetEmail(testenv.RandomName("u") + "@example.com").SetDisplayName("User").
		SetPasswordHash("unusable").SetRole(role).SetNillableExpertStatus(expertStatus).
		Save(privacy.DecisionContext(context.Background(), privacy.Allow))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// auditCount is how many audit rows of this action name the user.
func auditCount(t *testing.T, d *db.DB, action string, id uuid.UUID) int {
	t.Helper()
	n, err := d.Client.AuditLog.Query().Where(auditlog.Action(action), auditlog.TargetID(id.String())).
		Count(db.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// holdRow locks a row in a transaction of its own, which the test commits (or which is
// rolled back when the test ends).
func holdRow(t *testing.T, d *db.DB, table string, id uuid.UUID) *sql.Tx {
	t.Helper()
	lock, err := d.SQL.BeginTx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lock.Rollback() })
	if _, err := lock.Exec("SELECT id FROM "+table+" WHERE id = $1 FOR UPDATE", id); err != nil {
		t.Fatal(err)
	}
	return lock
}

// waitForLockWaiter returns once a session of the test's database waits for a lock. done
// is where the work expected to wait reports: it must not report first.
func waitForLockWaiter(t *testing.T, d *db.DB, done <-chan error) {
	t.Helper()
	for waited := time.Duration(0); ; waited += 10 * time.Millisecond {
		var waiting int
		if err := d.SQL.QueryRow(`SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("the change returned before it waited for the row: %v", err)
		default:
		}
		if waited > 30*time.Second {
			t.Fatal("the change never waited for the row")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
