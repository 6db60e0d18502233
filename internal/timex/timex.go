// Package timex holds small time helpers shared by the services.
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
