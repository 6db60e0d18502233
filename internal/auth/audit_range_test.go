package auth_test

import (
	"errors"
	"testing"
	"time"

	"backbone/internal/auth"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
)

// TestAuditLogsRefuseAnEmptyRange: from at or after to is BAD_USER_INPUT on from, as in
// questions(filter:), rather than an empty page.
func TestAuditLogsRefuseAnEmptyRange(t *testing.T) {
	t.Parallel()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	svc := newService(t, d)
	_, admin := newAdmin(t, d)
	day := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	for _, from := range []time.Time{day, day.Add(time.Second)} {
		_, err := svc.AuditLogs(admin, auth.AuditLogFilter{From: &from, To: &day})
		var e *errs.Error
		if !errors.As(err, &e) || e.Code != errs.BadUserInput || e.Extensions["field"] != "from" {
			t.Errorf("from %s to %s: %v, want BAD_USER_INPUT on from", from, day, err)
		}
	}
	earlier := day.Add(-time.Second)
	if _, err := svc.AuditLogs(admin, auth.AuditLogFilter{From: &earlier, To: &day}); err != nil {
		t.Fatalf("from before to: %v", err)
	}
}
