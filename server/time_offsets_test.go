package main

import (
	"testing"
	"time"
)

// A Time argument with another offset than UTC is the same instant, on both databases
// (SQLite compared the wall clock as text), and is echoed in UTC.
func TestTimeArgumentsWithAnOffsetAreTheSameInstant(t *testing.T) {
	t.Parallel()
	onBothDatabases(t, func(t *testing.T, w *azWorld) {
		admin := w.callers[azAdmin].Token
		since := time.Now().Add(-time.Hour)
		count := func(from string) int {
			var out struct{ AuditLogs struct{ TotalCount int } }
			w.mustGQL(t, admin, `query($f: Time) { auditLogs(filter: {from: $f}) { totalCount } }`, map[string]any{"f": from}, &out)
			return out.AuditLogs.TotalCount
		}
		utc := count(since.UTC().Format(time.RFC3339))
		east := count(since.In(time.FixedZone("", 5*3600)).Format(time.RFC3339))
		west := count(since.In(time.FixedZone("", -7*3600)).Format(time.RFC3339))
		if utc == 0 || east != utc || west != utc {
			t.Errorf("audit entries since an hour ago: %d in UTC, %d at +05:00, %d at -07:00", utc, east, west)
		}
		var stats struct{ ExpertStats struct{ From string } }
		w.mustGQL(t, w.callers[azExpert].Token, `{ expertStats(from: "2026-12-07T13:00:00+05:00") { from } }`, nil, &stats)
		if stats.ExpertStats.From != "2026-12-07T08:00:00Z" {
			t.Errorf("expertStats.from echoed as %s, want 2026-12-07T08:00:00Z", stats.ExpertStats.From)
		}
	})
}
