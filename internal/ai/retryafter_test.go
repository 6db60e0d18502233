package ai

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterHeaders(t *testing.T) {
	date := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	for _, tt := range []struct {
		header   http.Header
		min, max time.Duration
	}{
		{http.Header{"Retry-After": {"2"}}, 2 * time.Second, 2 * time.Second},
		{http.Header{"Retry-After-Ms": {"250"}, "Retry-After": {"9"}}, 250 * time.Millisecond, 250 * time.Millisecond},
		{http.Header{"Retry-After": {date}}, 80 * time.Second, 90 * time.Second},
		{http.Header{"Retry-After": {"soon"}}, 0, 0},
		{http.Header{"Retry-After": {"-3"}}, 0, 0},
		{http.Header{}, 0, 0},
	} {
		if got := retryAfter(tt.header); got < tt.min || got > tt.max {
			t.Errorf("retryAfter(%v) = %s, want %s..%s", tt.header, got, tt.min, tt.max)
		}
	}
}
