package timex

import "time"

// ReportEarliest and ReportLatest bound the periods of the reports (analytics,
// expertStats): nothing is older than the Unix epoch, and a period's ends must stay times
// that the databases and the Time scalar write. The scalar writes the zero time
// (0001-01-01T00:00:00Z) as null: a period from it could not be echoed.
var (
	ReportEarliest = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	ReportLatest   = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
)

// InReportRange reports whether t is between ReportEarliest and ReportLatest.
func InReportRange(t time.Time) bool {
	return !t.Before(ReportEarliest) && !t.After(ReportLatest)
}
