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
	_, asAdmin := newAdmin(t, d)
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
			dbtest.WaitForLockWaiters(t, d.SQL, 1, done)
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
			tc.check(t, getUser(t, d, u.ID))
		})
	}
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

// TestAnAdminChangeLeavesAnActiveAdmin: a demotion or suspension of the last active admin
// is CONFLICT, whoever asks. The caller here is an admin whose demotion by the other
// committed while their token still works; a suspended admin does not count.
func TestAnAdminChangeLeavesAnActiveAdmin(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"postgres": testenv.NewPostgresDB, "sqlite": testenv.NewSQLiteURL} {
		t.Run(name, func(t *testing.T) {
			d := dbtest.Open(t, url(t))
			svc := newService(t, d)
			caller, asCaller := newAdmin(t, d)
			last, _ := newAdmin(t, d)
			suspended, _ := newAdmin(t, d)
			sys := db.System(context.Background())
			if err := d.Client.User.UpdateOneID(caller.ID).SetRole(user.RoleCLIENT).Exec(sys); err != nil {
				t.Fatal(err)
			}
			if err := d.Client.User.UpdateOneID(suspended.ID).SetStatus(user.StatusSUSPENDED).Exec(sys); err != nil {
				t.Fatal(err)
			}
			if _, err := svc.SetUserRole(asCaller, last.ID, user.RoleEXPERT); !errs.Is(err, errs.Conflict) {
				t.Errorf("demoting the last active admin: %v, want CONFLICT", err)
			}
			if _, err := svc.SuspendUser(asCaller, last.ID, ""); !errs.Is(err, errs.Conflict) {
				t.Errorf("suspending the last active admin: %v, want CONFLICT", err)
			}
			if u := getUser(t, d, last.ID); u.Role != user.RoleADMIN || u.Status != user.StatusACTIVE {
				t.Fatalf("the last admin is %s, %s; want ADMIN, ACTIVE", u.Role, u.Status)
			}
			// A suspended admin may be demoted: the active one stays.
			if _, err := svc.SetUserRole(asCaller, suspended.ID, user.RoleCLIENT); err != nil {
				t.Fatalf("demoting a suspended admin: %v", err)
			}
			other, _ := newAdmin(t, d)
			if _, err := svc.SuspendUser(asCaller, last.ID, ""); err != nil {
				t.Fatalf("suspending an admin beside another: %v", err)
			}
			if _, err := svc.SetUserRole(asCaller, other.ID, user.RoleCLIENT); !errs.Is(err, errs.Conflict) {
				t.Errorf("demoting the admin left: %v, want CONFLICT", err)
			}
		})
	}
}

// TestTwoAdminsRemovingEachOtherLeaveOne has two admins, the only ones, demote or
// suspend each other at once. Each admin's sessions are held locked, so that a change that
// has made its checks and written the user waits there, before its commit, for the
// sessions it ends: a change that did not wait for the other before its checks would have
// both under way together, whatever the scheduling. Once two wait (for the sessions, or
// for each other) the sessions are let go. One change must succeed and the other be
// CONFLICT, leaving one active admin.
func TestTwoAdminsRemovingEachOtherLeaveOne(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	svc := newService(t, d)
	for _, tc := range []struct {
		name   string
		remove func(ctx context.Context, id uuid.UUID) error
	}{{
		name: "setUserRole",
		remove: func(ctx context.Context, id uuid.UUID) error {
			_, err := svc.SetUserRole(ctx, id, user.RoleCLIENT)
			return err
		},
	}, {
		name: "suspendUser",
		remove: func(ctx context.Context, id uuid.UUID) error {
			_, err := svc.SuspendUser(ctx, id, "")
			return err
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := d.SQL.Exec("UPDATE users SET role = 'CLIENT' WHERE role = 'ADMIN'"); err != nil {
				t.Fatal(err)
			}
			a, asA := newAdmin(t, d)
			b, asB := newAdmin(t, d)
			lock := holdRow(t, d, "sessions", newSession(t, d, a.ID))
			if _, err := lock.Exec("SELECT id FROM sessions WHERE id = $1 FOR UPDATE", newSession(t, d, b.ID)); err != nil {
				t.Fatal(err)
			}
			results := make(chan error, 2)
			go func() { results <- tc.remove(asA, b.ID) }()
			go func() { results <- tc.remove(asB, a.ID) }()
			dbtest.WaitForLockWaiters(t, d.SQL, 2, results)
			if err := lock.Commit(); err != nil {
				t.Fatal(err)
			}
			var ok int
			for range 2 {
				switch err := <-results; {
				case err == nil:
					ok++
				case !errs.Is(err, errs.Conflict):
					t.Fatal(err)
				}
			}
			active, err := d.Client.User.Query().Where(user.RoleEQ(user.RoleADMIN), user.StatusEQ(user.StatusACTIVE)).
				Count(db.System(context.Background()))
			if err != nil {
				t.Fatal(err)
			}
			if ok != 1 || active != 1 {
				t.Fatalf("%d changes succeeded and %d active admins remain, want 1 and 1", ok, active)
			}
		})
	}
}

// newSession creates a session of the user and returns its id.
func newSession(t *testing.T, d *db.DB, userID uuid.UUID) uuid.UUID {
	t.Helper()
	s, err := d.Client.Session.Create().SetUserID(userID).SetExpiresAt(time.Now().Add(time.Hour)).
		Save(db.System(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	return s.ID
}

// newAdmin creates an active admin and returns it with a request of theirs.
func newAdmin(t *testing.T, d *db.DB) (*ent.User, context.Context) {
	t.Helper()
	a := newUser(t, d, user.RoleADMIN, nil)
	return a, viewer.With(from("192.0.2.2"), viewer.Principal{UserID: a.ID, Role: string(user.RoleADMIN)})
}

// getUser reads a user as the system.
func getUser(t *testing.T, d *db.DB, id uuid.UUID) *ent.User {
	t.Helper()
	u, err := d.Client.User.Get(db.System(context.Background()), id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
