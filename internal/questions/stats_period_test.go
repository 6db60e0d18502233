package questions_test

import (
	"errors"
	"testing"
	"time"

	"backbone/internal/errs"
)

// TestExpertStatsRefusesPeriodsOutsideTheReportRange: expertStats takes the periods that
// analytics takes. The zero time, which the Time scalar writes as null, was taken and
// answered from: null; a zero to failed the non-null field.
func TestExpertStatsRefusesPeriodsOutsideTheReportRange(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, expertCtx := e.expert(t)
	at := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	for _, c := range []struct {
		name     string
		from, to *time.Time
		field    string
	}{
		{"from the zero time", &time.Time{}, nil, "from"},
		{"from before 1970", at("1969-12-31T23:59:59Z"), nil, "from"},
		{"to the zero time", nil, &time.Time{}, "to"},
		{"to after 9000", at("1980-01-01T00:00:00Z"), at("9000-01-01T00:00:01Z"), "to"},
	} {
		_, err := e.svc.ExpertStats(expertCtx, nil, c.from, c.to)
		var got *errs.Error
		if !errors.As(err, &got) || got.Code != errs.BadUserInput || got.Extensions["field"] != c.field {
			t.Errorf("%s: %v, want BAD_USER_INPUT on %s", c.name, err, c.field)
		}
	}
	from, to := at("1970-01-01T00:00:00Z"), at("9000-01-01T00:00:00Z")
	s, err := e.svc.ExpertStats(expertCtx, nil, from, to)
	if err != nil || s.From == nil || !s.From.Equal(*from) || !s.To.Equal(*to) {
		t.Fatalf("ExpertStats of the widest period = %+v, %v", s, err)
	}
}
