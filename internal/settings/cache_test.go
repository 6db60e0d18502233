package settings_test

import (
	"testing"
	"time"

	"backbone/internal/settings"
	"backbone/internal/testenv"
)

func testenvSQLite(t *testing.T) string { return testenv.NewSQLiteURL(t) }

// TestCacheIsInvalidatedAcrossInstances runs two instances on one PostgreSQL database,
// each with its own Redis client and a memo sharing values in Redis as the server's
// does, and a cache that would otherwise last an hour: the second drops its copy when
// the first's update reaches it over the bus.
func TestCacheIsInvalidatedAcrossInstances(t *testing.T) {
	t.Parallel()
	d := mustDB(t, testenv.NewPostgresDB(t))
	prefix := testenv.RandomName("settingstest:") + ":"
	one := newSharedService(t, d, prefix)
	two := newSharedService(t, d, prefix)
	_, admin := mustViewer(t, d, "ADMIN")

	if got := mustGet(t, two); got.AIPipelineEnabled != true {
		t.Fatal("AI pipeline not on by default")
	}
	mustUpdate(t, admin, one, settings.Patch{AIPipelineEnabled: ptr(false)})
	if mustGet(t, one).AIPipelineEnabled {
		t.Fatal("the updating instance still serves the old value")
	}
	eventually(t, "the other instance sees the update", func() bool { return !mustGet(t, two).AIPipelineEnabled })
}

// TestCacheServesWithinTTLAndExpires shows the cache is real and short: without a bus
// message, an instance serves its cached value until the TTL ends, then the new one.
func TestCacheServesWithinTTLAndExpires(t *testing.T) {
	t.Parallel()
	d := mustDB(t, testenvSQLite(t))
	_, admin := mustViewer(t, d, "ADMIN")
	writer := newService(t, d, nil, 0)

	cached := newService(t, d, nil, time.Hour) // its own memory bus: hears nothing
	mustGet(t, cached)
	mustUpdate(t, admin, writer, settings.Patch{RevisionLimit: ptr(9)})
	if got := mustGet(t, cached); got.RevisionLimit != settings.Defaults().RevisionLimit {
		t.Fatalf("RevisionLimit = %d within the TTL; want the cached value", got.RevisionLimit)
	}
	cached.Invalidate()
	if got := mustGet(t, cached); got.RevisionLimit != 9 {
		t.Fatalf("RevisionLimit = %d after Invalidate, want 9", got.RevisionLimit)
	}

	short := newService(t, d, nil, 20*time.Millisecond)
	mustGet(t, short)
	mustUpdate(t, admin, writer, settings.Patch{RevisionLimit: ptr(10)})
	eventually(t, "the short cache expires", func() bool { return mustGet(t, short).RevisionLimit == 10 })
}
