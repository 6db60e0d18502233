package graph

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/google/uuid"

	"backbone/ent/analyticsduration"
	"backbone/internal/analytics"
	"backbone/internal/dbtest"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
)

// encodeAnalytics writes exactly what gqlgen writes for the same request: each case is
// answered by gqlgen (no memo, so no kept answers) while a root field middleware encodes
// the same field with encodeAnalytics and compares the two, byte for byte.
func TestEncodeAnalyticsEqualsGqlgen(t *testing.T) {
	ctx := context.Background()
	d := dbtest.Open(t, testenv.NewSQLiteURL(t))
	end := time.Now().UTC().Truncate(24 * time.Hour)
	from := end.AddDate(0, 0, -60)
	for day := from; day.Before(end); day = day.AddDate(0, 0, 1) {
		n := int64(day.YearDay())
		for _, subject := range []string{"", "physics"} {
			if subject != "" && n%3 == 0 {
				continue // days without a row: zero figures
			}
			d.Client.AnalyticsDay.Create().SetDay(day).SetSubject(subject).SetSubmitted(2700 + n).SetAccepted(2100 + n).
				SetCancelled(100 + n).SetDeclined(50).SetExpired(40).SetDisputed(30).SetBreaches(70).
				SetCaptured(90000 + n).SetFees(9000 + n).SetRefunded(1200).SetPayouts(n * 10).ExecX(ctx)
			if n%4 == 0 {
				continue // no durations: null medians
			}
			for _, kind := range []analyticsduration.Kind{analyticsduration.KindCLAIM, analyticsduration.KindDELIVER} {
				var counts []byte
				for bucket := int(n % 50); bucket < 300; bucket += 7 + int(n%5) {
					counts = binary.AppendUvarint(binary.AppendUvarint(counts, uint64(bucket)), uint64(n%7+1))
				}
				d.Client.AnalyticsDuration.Create().SetDay(day).SetSubject(subject).SetKind(kind).SetCounts(counts).ExecX(ctx)
			}
		}
	}
	insight := analytics.New(d, nil)
	if insight.Caches() {
		t.Fatal("the reference must be gqlgen's own rendering, without kept answers")
	}
	h := NewHandler(HandlerConfig{Resolver: &Resolver{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Insight: insight}, ComplexityLimit: 50000})

	type outcome struct {
		encoded, ok bool
		mismatch    string
	}
	var (
		mu   sync.Mutex // root fields resolve concurrently
		seen []outcome
	)
	h.AroundRootFields(func(ctx context.Context, next graphql.RootResolver) graphql.Marshaler {
		rc, oc := graphql.GetRootFieldContext(ctx), graphql.GetOperationContext(ctx)
		if rc.Field.Name != "analytics" {
			return next(ctx)
		}
		mine, ok := encodeAnalytics(ctx, insight, oc, rc.Field)
		res := next(ctx)
		var theirs bytes.Buffer
		res.MarshalGQL(&theirs)
		o := outcome{encoded: true, ok: ok}
		if ok && !bytes.Equal(mine, theirs.Bytes()) {
			o.mismatch = fmt.Sprintf("encoded:\n%.600s\ngqlgen:\n%.600s", mine, theirs.Bytes())
		}
		mu.Lock()
		seen = append(seen, o)
		mu.Unlock()
		return res
	})
	admin := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleAdmin}
	post := func(query string, vars map[string]any) string {
		vars["from"], vars["to"] = from.Add(7*time.Hour).Format(time.RFC3339), end.Format(time.RFC3339)
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/query", bytes.NewReader(body))
		req = req.WithContext(viewer.With(req.Context(), admin))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Body.String()
	}
	const all = `start end submitted accepted cancelled declined expired disputed creditsSpent platformRevenue refunds payoutsApproved medianSecondsToClaim medianSecondsToDeliver deadlineBreaches`
	const head = `query($from: Time!, $to: Time!) `
	const heads = `query($from: Time!, $to: Time!, $yes: Boolean = true, $no: Boolean = false) `
	const headb = `query($from: Time!, $to: Time!, $bucket: AnalyticsBucket = DAY, $subject: String) `
	for _, tc := range []struct {
		name, query string
		vars        map[string]any
		encoded     int // root fields encodeAnalytics answers (ok)
	}{
		{"every field", head + `{ analytics(from: $from, to: $to) { ` + all + ` } }`, nil, 1},
		{"every field reversed, twice", head + `{ analytics(from: $from, to: $to) { deadlineBreaches medianSecondsToDeliver medianSecondsToClaim payoutsApproved refunds platformRevenue creditsSpent disputed expired declined cancelled accepted submitted end start start submitted } }`, nil, 1},
		{"aliases and __typename", head + `{ series: analytics(from: $from, to: $to) { __typename day: start n: submitted submitted t: __typename claim: medianSecondsToClaim } }`, nil, 1},
		{"fragments", headb + `{ analytics(from: $from, to: $to, bucket: $bucket, subject: $subject) { ...F ... on AnalyticsPoint { accepted start } ... { expired } } } fragment F on AnalyticsPoint { start refunds x: disputed }`, nil, 1},
		{"skip and include", heads + `{ analytics(from: $from, to: $to) { start @skip(if: $yes) end @skip(if: $no) submitted @include(if: $no) accepted @include(if: $yes) ... @skip(if: $yes) { declined } ... @include(if: true) { cancelled } } }`, nil, 1},
		{"weeks of a subject", headb + `{ analytics(from: $from, to: $to, bucket: $bucket, subject: $subject) { ` + all + ` } }`, map[string]any{"bucket": "WEEK", "subject": "physics"}, 1},
		{"months", head + `{ analytics(from: $from, to: $to, bucket: MONTH) { ` + all + ` } }`, nil, 1},
		{"a subject with no rows", head + `{ analytics(from: $from, to: $to, subject: "law") { start medianSecondsToClaim submitted } }`, nil, 1},
		{"two series and another field", head + `{ a: analytics(from: $from, to: $to) { start } b: analytics(from: $from, to: $to, bucket: WEEK) { end accepted } __typename }`, nil, 2},
		// gqlgen's to answer, errors included:
		{"a span too long", head + `{ analytics(from: "2000-01-01T00:00:00Z", to: $to) { start } x: analytics(from: $from, to: $from) { end } }`, nil, 0},
		{"a time that is none", head + `{ analytics(from: "yesterday", to: $to) { start } x: analytics(from: $from, to: $to) { start @skip(if: true) } }`, nil, 1},
		{"to before from", head + `{ analytics(from: $to, to: $from) { start } }`, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen = nil
			if tc.vars == nil {
				tc.vars = map[string]any{}
			}
			got := post(tc.query, tc.vars)
			encoded := 0
			for _, o := range seen {
				if o.mismatch != "" {
					t.Fatalf("%s\nresponse: %.300s", o.mismatch, got)
				}
				if o.ok {
					encoded++
				}
			}
			if wantErrors := strings.HasPrefix(tc.name, "a time"); tc.encoded > 0 && (strings.Contains(got, `"errors"`) != wantErrors || !strings.Contains(got, `"data"`)) {
				t.Fatalf("response: %.500s", got)
			}
			if tc.encoded == 0 && (len(seen) == 0 || !strings.Contains(got, `"errors"`)) {
				t.Fatalf("not refused by the resolver: %d root fields: %.500s", len(seen), got)
			}
			if encoded != tc.encoded {
				t.Fatalf("%d of %d root fields encoded, want %d: %.300s", encoded, len(seen), tc.encoded, got)
			}
		})
	}
}

// appendFloat writes what graphql.MarshalFloatContext writes (fmt's %g).
func TestAppendFloatIsGqlgens(t *testing.T) {
	for _, f := range []float64{0, 0.5, 1, 59.99, 123.456, 1e6, 123456789, 1e20, 1e21, 1.5e21, 1e-4, 1e-5, 3.0000000000000004, math.MaxFloat64, math.SmallestNonzeroFloat64, -2.5} {
		var want bytes.Buffer
		if err := graphql.MarshalFloatContext(f).MarshalGQLContext(context.Background(), &want); err != nil {
			t.Fatal(err)
		}
		got, ok := appendFloat(nil, &f)
		if !ok || string(got) != want.String() {
			t.Errorf("%v: %q, gqlgen %q", f, got, want.String())
		}
	}
	for _, f := range []float64{math.Inf(1), math.NaN()} {
		if _, ok := appendFloat(nil, &f); ok {
			t.Errorf("%v encoded; gqlgen refuses it", f)
		}
	}
	if got, ok := appendFloat(nil, nil); !ok || string(got) != "null" {
		t.Errorf("nil: %q", got)
	}
	for _, tm := range []time.Time{time.Date(2026, 3, 4, 5, 6, 7, 890, time.UTC), time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999999999, time.FixedZone("", -(5*3600+30*60)))} {
		var want bytes.Buffer
		graphql.MarshalTime(tm).MarshalGQL(&want)
		if got, ok := appendTime(nil, tm); !ok || string(got) != want.String() {
			t.Errorf("time: %s, gqlgen %s", got, want.String())
		}
	}
	if _, ok := appendTime(nil, time.Time{}); ok {
		t.Error("the zero time encoded; gqlgen reports it as null in a Time!")
	}
}
