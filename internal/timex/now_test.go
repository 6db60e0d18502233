package timex_test

import (
	"testing"
	"time"

	"backbone/internal/timex"
)

func TestStoredIsUTCToTheMicrosecond(t *testing.T) {
	t.Parallel()
	in := time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.FixedZone("X", 3600))
	got := timex.Stored(in)
	want := time.Date(2026, 3, 4, 4, 6, 7, 123456000, time.UTC)
	if !got.Equal(want) || got.Location() != time.UTC {
		t.Fatalf("Stored(%v) = %v; want %v in UTC", in, got, want)
	}
	if now := timex.Now(); now.Location() != time.UTC || now.Nanosecond()%1000 != 0 {
		t.Fatalf("Now() = %v; want UTC to the microsecond", now)
	}
}
