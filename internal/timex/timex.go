// Package timex holds small time helpers shared by the services, among them the one clock
// whose readings the databases store unchanged (Now).
package timex

import (
	"context"
	"time"
)

// Sleep waits d or until ctx ends, whichever comes first; it reports whether the whole
// time passed (false: ctx ended).
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Now is the current time as both databases keep it: UTC, to the microsecond. A time
// written and read back compares equal to the one in memory.
func Now() time.Time { return Stored(time.Now()) }

// Stored returns t as both databases keep it: UTC, to the microsecond (for an injected
// clock; see Now).
func Stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
