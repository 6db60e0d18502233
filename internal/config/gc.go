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

// GCPercent returns the collector target the server applies (debug.SetGCPercent):
// DefaultGCPercent when GOGC is unset (or blank), -1 for off, else the number. The Go
// runtime has read GOGC already, but only a lowercase off and bare digits: it took OFF or
// " 200" for its default, 100, so the server applies what it reads here. A value neither
// a number nor off is an error, so that a typo does not pass silently.
func GCPercent(getenv func(string) string) (int, error) {
	v := strings.TrimSpace(getenv("GOGC"))
	if v == "" {
		return DefaultGCPercent, nil
	}
	if strings.EqualFold(v, "off") {
		return -1, nil
	}
	pct, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("GOGC: %q is neither a number nor off", v)
	}
	return pct, nil
}
