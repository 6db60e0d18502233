package config

import (
	"fmt"
	"strconv"
	"strings"
)

// DefaultGCPercent is the Go collector's target the server sets when GOGC is unset. The
// server's live heap is small (under 20 MB under load), so at Go's default of 100 a busy
// server collects every few megabytes of short-lived request garbage, a sixth of its CPU
// on a question page (bench/http). At 400 the heap may grow to five times the live heap
// between collections, which costs tens of megabytes. GOMEMLIMIT (read by the Go runtime
// itself) caps the heap whatever the target.
const DefaultGCPercent = 400

// GCPercent returns the collector target to set and true when GOGC is unset (or empty);
// when it is set the Go runtime has applied it already, and GCPercent only checks that
// it is a number or "off", so that a typo does not pass silently.
func GCPercent(getenv func(string) string) (int, bool, error) {
	v := strings.TrimSpace(getenv("GOGC"))
	if v == "" {
		return DefaultGCPercent, true, nil
	}
	if strings.EqualFold(v, "off") {
		return 0, false, nil
	}
	if _, err := strconv.Atoi(v); err != nil {
		return 0, false, fmt.Errorf("GOGC: %q is neither a number nor off", v)
	}
	return 0, false, nil
}
