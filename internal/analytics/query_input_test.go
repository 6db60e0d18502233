package analytics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/internal/analytics"
	"backbone/internal/dbtest"
	"backbone/internal/errs"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// newQueryService is an analytics service on an empty SQLite database, and an admin.
func newQueryService(t *testing.T) (*analytics.Service, context.Context) {
	t.Helper()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	return analytics.New(d, nil), viewer.With(context.Background(), viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
}

func wantBadField(t *testing.T, what string, err error, field string) {
	t.Helper()
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.BadUserInput || e.Extensions["field"] != field {
		t.Fatalf("%s: %v, want BAD_USER_INPUT on %s", what, err, field)
	}
}

// TestSeriesRefusesABlankSubject: an empty or blank subject was read as every subject's
// series; only an omitted one is.
func TestSeriesRefusesABlankSubject(t *testing.T) {
	t.Parallel()
	s, admin := newQueryService(t)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, subject := range []string{"", "  ", "\t"} {
		_, err := s.Series(admin, from, from.AddDate(0, 0, 2), analytics.Day, &subject)
		wantBadField(t, "subject "+`"`+subject+`"`, err, "subject")
	}
	if points, err := s.Series(admin, from, from.AddDate(0, 0, 2), analytics.Day, nil); err != nil || len(points) != 2 {
		t.Fatalf("every subject's series = %d points, %v; want 2", len(points), err)
	}
}

// TestSpanLimitIsOnTheRoundedDays: 731 days is the limit on the whole days read, so a
// period under 731 days that rounds out to 732 is refused, and one of exactly 731 days
// is not.
func TestSpanLimitIsOnTheRoundedDays(t *testing.T) {
	t.Parallel()
	s, admin := newQueryService(t)
	from := time.Date(2025, 1, 1, 23, 59, 59, 0, time.UTC)
	to := time.Date(2027, 1, 2, 23, 59, 58, 0, time.UTC) // 731 days less 1 s; 732 days rounded
	_, err := s.Series(admin, from, to, analytics.Day, nil)
	wantBadField(t, "Series over 732 rounded days", err, "to")
	_, err = s.BySubject(admin, from, to)
	wantBadField(t, "BySubject over 732 rounded days", err, "to")

	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	points, err := s.Series(admin, day.Add(time.Hour), day.AddDate(0, 0, 731), analytics.Day, nil)
	if err != nil || len(points) != 731 {
		t.Fatalf("Series over 731 rounded days = %d points, %v; want 731", len(points), err)
	}
}
