package graph_test

import (
	"context"
	"encoding/binary"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/analyticsduration"
	"backbone/graph"
	"backbone/internal/analytics"
	"backbone/internal/db"
	"backbone/internal/dbtest"
	"backbone/internal/memo"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// BenchmarkAnalyticsWarm is bench/analytics' warm case through the handler: a year of
// daily points with every field asked, served from the analytics memo (kept in process),
// so what it measures is the GraphQL execution and the response, not the database.
//
//	go test -run '^$' -bench BenchmarkAnalyticsWarm -benchmem ./graph
func BenchmarkAnalyticsWarm(b *testing.B) {
	srv, _, _, from, end := analyticsHandler(b, 365)
	admin := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin}
	body := `{"query":"query($from: Time!, $to: Time!) { analytics(from: $from, to: $to, bucket: DAY) { start submitted accepted cancelled declined expired disputed creditsSpent platformRevenue refunds payoutsApproved deadlineBreaches medianSecondsToClaim medianSecondsToDeliver } }",` +
		`"variables":{"from":"` + from.Format(time.RFC3339) + `","to":"` + end.Format(time.RFC3339) + `"}}`
	post := func() *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		req = req.WithContext(viewer.With(req.Context(), admin))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	// The first request fills the memo.
	if w := post(); w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) || !strings.Contains(w.Body.String(), `"medianSecondsToClaim":`) {
		b.Fatalf("status %d: %.500s", w.Code, w.Body)
	}
	b.ReportAllocs()
	for b.Loop() {
		if w := post(); w.Code != http.StatusOK {
			b.Fatalf("status %d: %.500s", w.Code, w.Body)
		}
	}
}

// BenchmarkAnalyticsCold is bench/analytics' cold case through the handler: the memo is
// emptied before each request, so each reads the rollups (SQLite here, where the bench
// has PostgreSQL), computes the medians and renders the year again.
//
//	go test -run '^$' -bench BenchmarkAnalyticsCold -benchmem ./graph
func BenchmarkAnalyticsCold(b *testing.B) {
	srv, m, _, from, end := analyticsHandler(b, 365)
	admin := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin}
	body := `{"query":"query($from: Time!, $to: Time!) { analytics(from: $from, to: $to, bucket: DAY) { start submitted accepted cancelled declined expired disputed creditsSpent platformRevenue refunds payoutsApproved deadlineBreaches medianSecondsToClaim medianSecondsToDeliver } }",` +
		`"variables":{"from":"` + from.Format(time.RFC3339) + `","to":"` + end.Format(time.RFC3339) + `"}}`
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Invalidate(ctx, "rollups"); err != nil {
			b.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		req = req.WithContext(viewer.With(req.Context(), admin))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK || strings.Contains(w.Body.String(), `"errors"`) {
			b.Fatalf("status %d: %.500s", w.Code, w.Body)
		}
	}
}

// analyticsHandler serves days of daily rollups (ending today) through the handler, with
// the analytics memo kept in process.
func analyticsHandler(tb testing.TB, days int) (http.Handler, *memo.Memo, *db.DB, time.Time, time.Time) {
	ctx := context.Background()
	d := dbtest.Open(tb, testenv.NewSQLiteURL(tb))
	end := time.Now().UTC().Truncate(24 * time.Hour)
	from := end.AddDate(0, 0, -days)
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		n := int64(day.YearDay())
		d.Client.AnalyticsDay.Create().SetDay(day).SetSubject("").SetSubmitted(2700 + n).SetAccepted(2100 + n).
			SetCancelled(100 + n).SetDeclined(50).SetExpired(40).SetDisputed(30).SetBreaches(70).
			SetCaptured(90000 + n).SetFees(9000 + n).SetRefunded(1200).SetPayouts(n * 10).ExecX(ctx)
		for _, kind := range []analyticsduration.Kind{analyticsduration.KindCLAIM, analyticsduration.KindDELIVER} {
			var counts []byte
			for bucket := 100; bucket < 140; bucket += 3 {
				counts = binary.AppendUvarint(binary.AppendUvarint(counts, uint64(bucket)), uint64(n%7+1))
			}
			d.Client.AnalyticsDuration.Create().SetDay(day).SetSubject("").SetKind(kind).SetCounts(counts).ExecX(ctx)
		}
	}
	m := memo.New(memo.Config{Name: "analytics"})
	tb.Cleanup(func() { m.Close() })
	srv := graph.NewHandler(graph.HandlerConfig{
		Resolver: &graph.Resolver{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Insight: analytics.New(d, m)},
		// As the server's default.
		ComplexityLimit: 5000,
	})
	return srv, m, d, from, end
}
