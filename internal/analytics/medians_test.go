package analytics_test

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/analyticsduration"
	"backbone/internal/analytics"
	"backbone/internal/dbtest"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// TestSeriesMediansSumTheirDaysHistograms: on SQLite and PostgreSQL, a point's median of
// each kind is the median of the sum of its days' histograms, for days, weeks and months
// (one histogram reused from point to point by the series must not mix points or kinds).
func TestSeriesMediansSumTheirDaysHistograms(t *testing.T) {
	t.Parallel()
	for name, url := range map[string]func(testing.TB) string{"sqlite": testenv.NewSQLiteURL, "postgres": testenv.NewPostgresDB} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" {
				testenv.NeedPostgres(t)
			}
			ctx := context.Background()
			d := dbtest.Open(t, url(t))
			from := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
			to := from.AddDate(0, 0, 70)
			r := rand.New(rand.NewPCG(3, 4))
			// counts[kind][day] is each day's histogram: bucket -> count.
			counts := map[analyticsduration.Kind]map[time.Time]map[int]int64{}
			for _, kind := range []analyticsduration.Kind{analyticsduration.KindDELIVER, analyticsduration.KindCLAIM} {
				counts[kind] = map[time.Time]map[int]int64{}
				for day := from; day.Before(to); day = day.AddDate(0, 0, 1) {
					if r.IntN(5) == 0 {
						continue // a day without one: its medians come from the others, or none
					}
					h := map[int]int64{}
					var enc []byte
					for b := r.IntN(40); b < 200; b += 1 + r.IntN(30) {
						n := int64(1 + r.IntN(9))
						h[b] = n
						enc = binary.AppendVarint(binary.AppendUvarint(enc, uint64(b)), n)
					}
					counts[kind][day] = h
					d.Client.AnalyticsDuration.Create().SetDay(day).SetSubject("").SetKind(kind).SetCounts(enc).ExecX(ctx)
				}
			}
			want := func(kind analyticsduration.Kind, start, end time.Time) *float64 {
				sum := map[int]int64{}
				var n int64
				for day := start; day.Before(end); day = day.AddDate(0, 0, 1) {
					for b, c := range counts[kind][day] {
						sum[b] += c
						n += c
					}
				}
				if n == 0 {
					return nil
				}
				var seen int64
				for b := 0; ; b++ {
					if seen += sum[b]; seen >= (n+1)/2 {
						m := analytics.BucketMiddle(b)
						return &m
					}
				}
			}
			a := analytics.New(d, nil)
			admin := viewer.With(ctx, viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin})
			for _, bucket := range []analytics.Bucket{analytics.Day, analytics.Week, analytics.Month} {
				points, err := a.Series(admin, from, to, bucket, nil)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range points {
					for _, c := range []struct {
						kind analyticsduration.Kind
						got  *float64
					}{{analyticsduration.KindCLAIM, p.MedianToClaim}, {analyticsduration.KindDELIVER, p.MedianToDeliver}} {
						w := want(c.kind, p.Start, p.End)
						if (w == nil) != (c.got == nil) || (w != nil && *w != *c.got) {
							t.Fatalf("%s point %s %s: median %v, want %v", bucket, p.Start.Format(time.DateOnly), c.kind, deref(c.got), deref(w))
						}
					}
				}
			}
		})
	}
}

func deref(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
