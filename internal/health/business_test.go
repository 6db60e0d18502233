package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"backbone/internal/health"
)

func measures(value, warnAbove float64) func(context.Context) ([]health.Measurement, error) {
	return func(context.Context) ([]health.Measurement, error) {
		return []health.Measurement{{Name: "outbox_lag_seconds", Value: value, WarnAbove: warnAbove}}, nil
	}
}

func TestDetailedBusinessIndicators(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		db         func(context.Context) error
		indicators []health.Indicator
		code       int
		status     string
		measures   []string // each measure's status, in order
	}{
		{
			name:       "measures within their thresholds are ok",
			db:         up,
			indicators: []health.Indicator{{Name: "outbox", Read: measures(5, 60)}, {Name: "queue", Read: measures(60, 60)}},
			code:       200, status: health.StatusOK, measures: []string{health.MeasureOK, health.MeasureOK},
		},
		{
			name:       "a measure past its threshold warns and stays ready",
			db:         up,
			indicators: []health.Indicator{{Name: "outbox", Read: measures(5, 60)}, {Name: "queue", Read: measures(61, 60)}},
			code:       200, status: health.StatusWarn, measures: []string{health.MeasureOK, health.MeasureWarn},
		},
		{
			name: "an indicator that cannot be read warns as unknown",
			db:   up,
			indicators: []health.Indicator{{Name: "outbox", Read: func(context.Context) ([]health.Measurement, error) {
				return nil, errors.New("relation does not exist")
			}}},
			code: 200, status: health.StatusWarn, measures: []string{health.MeasureUnknown},
		},
		{
			name: "an indicator that hangs is unknown at the timeout",
			db:   up,
			indicators: []health.Indicator{{Name: "queue", Read: func(ctx context.Context) ([]health.Measurement, error) {
				<-ctx.Done()
				return nil, ctx.Err()
			}}},
			code: 200, status: health.StatusWarn, measures: []string{health.MeasureUnknown},
		},
		{
			name:       "a required dependency down outranks a warning",
			db:         down,
			indicators: []health.Indicator{{Name: "queue", Read: measures(61, 60)}},
			code:       503, status: health.StatusDown, measures: []string{health.MeasureWarn},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := health.New(discard(), health.Check{Name: "database", Required: true, Ping: tt.db}).
				WithTimeout(50 * time.Millisecond).WithIndicators(tt.indicators...)
			w := httptest.NewRecorder()
			c.Detailed(w, httptest.NewRequest(http.MethodGet, "/health/detailed", nil))
			var rep health.Report
			if err := json.NewDecoder(w.Body).Decode(&rep); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.code || rep.Status != tt.status {
				t.Fatalf("detailed = %d %s, want %d %s", w.Code, rep.Status, tt.code, tt.status)
			}
			if len(rep.Business) != len(tt.measures) {
				t.Fatalf("business = %+v, want %d measures", rep.Business, len(tt.measures))
			}
			for i, m := range rep.Business {
				if m.Status != tt.measures[i] || (m.Status == health.MeasureUnknown) != (m.Error != "") {
					t.Errorf("measure %d = %+v, want status %s", i, m, tt.measures[i])
				}
			}
			// A warning never takes the server out of rotation.
			if r := get(t, c.Readyz); (r.code == 200) != (tt.status != health.StatusDown) {
				t.Errorf("readyz = %d with status %s", r.code, rep.Status)
			}
		})
	}
}
