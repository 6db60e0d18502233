package auth_test

import (
	"testing"

	"backbone/ent/session"
	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestSetUserRoleToTheRoleTheUserHasIsConflict: nothing would change, so the user's
// sessions stay and nothing is audited, as with a second suspension.
func TestSetUserRoleToTheRoleTheUserHasIsConflict(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	svc := newService(t, d)
	_, asAdmin := newAdmin(t, d)
	tok, err := svc.Register(from("192.0.2.1"), auth.RegisterInput{
		Email: testenv.RandomName("same") + "@example.com", Password: testPassword, DisplayName: "Same"})
	if err != nil {
		t.Fatal(err)
	}
	id := tok.User.ID
	if _, err := svc.SetUserRole(asAdmin, id, user.RoleCLIENT); !errs.Is(err, errs.Conflict) {
		t.Fatalf("setUserRole CLIENT of a client: %v, want CONFLICT", err)
	}
	if n := auditCount(t, d, "user.role_changed", id); n != 0 {
		t.Errorf("%d user.role_changed audit rows, want 0", n)
	}
	open, err := d.Client.Session.Query().Where(session.UserID(id), session.RevokedAtIsNil()).Count(db.System(t.Context()))
	if err != nil {
		t.Fatal(err)
	}
	if open != 1 {
		t.Errorf("%d open sessions after the refused change, want 1", open)
	}
	if u := getUser(t, d, id); u.Role != user.RoleCLIENT {
		t.Errorf("role %s, want CLIENT", u.Role)
	}
}
