package health_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"backbone/internal/health"
)

var (
	up   = func(context.Context) error { return nil }
	down = func(context.Context) error { return errors.New("connection refused") }
)

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

// hang blocks until the test ends, ignoring its context like a stuck driver.
func hang(t *testing.T) func(context.Context) error {
	stop := make(chan struct{})
	t.Cleanup(func() { close(stop) })
	return func(context.Context) error { <-stop; return nil }
}

type response struct {
	code int
	body map[string]any
}

func get(t *testing.T, h http.HandlerFunc) response {
	t.Helper()
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest(http.MethodGet, "/", nil))
	var body map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		t.Fatalf("body %q: %v", w.Body, err)
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", w.Header().Get("Cache-Control"))
	}
	return response{w.Code, body}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		checks         func(t *testing.T) []health.Check
		readyz         int
		detailed       int
		status         string
		downChecks     []string
		timeoutInError bool
	}{
		{
			name: "all up",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{
					{Name: "database", Required: true, Ping: up, Mode: health.ModeExternal, Driver: "postgres"},
					{Name: "redis", Ping: up, Mode: health.ModeExternal, Driver: "redis"},
				}
			},
			readyz: 200, detailed: 200, status: health.StatusOK,
		},
		{
			name: "an optional dependency down degrades but stays ready",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{
					{Name: "database", Required: true, Ping: up},
					{Name: "redis", Ping: down},
				}
			},
			readyz: 200, detailed: 200, status: health.StatusDegraded, downChecks: []string{"redis"},
		},
		{
			name: "a required dependency down is not ready",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{
					{Name: "database", Required: true, Ping: down},
					{Name: "redis", Ping: up},
				}
			},
			readyz: 503, detailed: 503, status: health.StatusDown, downChecks: []string{"database"},
		},
		{
			name: "a required check that hangs past the timeout is down",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{{Name: "database", Required: true, Ping: hang(t)}}
			},
			readyz: 503, detailed: 503, status: health.StatusDown, downChecks: []string{"database"}, timeoutInError: true,
		},
		{
			name: "a check that honours its deadline is down",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{{Name: "amqp", Required: true, Ping: func(ctx context.Context) error {
					<-ctx.Done()
					return ctx.Err()
				}}}
			},
			readyz: 503, detailed: 503, status: health.StatusDown, downChecks: []string{"amqp"},
		},
		{
			name: "a panicking check is down, not a crash",
			checks: func(t *testing.T) []health.Check {
				return []health.Check{{Name: "database", Required: true, Ping: func(context.Context) error { panic("nil pool") }}}
			},
			readyz: 503, detailed: 503, status: health.StatusDown, downChecks: []string{"database"},
		},
		{
			name:   "no checks is ready",
			checks: func(t *testing.T) []health.Check { return nil },
			readyz: 200, detailed: 200, status: health.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := health.New(discard(), tt.checks(t)...).WithTimeout(50 * time.Millisecond)

			for name, h := range map[string]http.HandlerFunc{"healthz": c.Healthz, "livez": c.Livez} {
				if r := get(t, h); r.code != 200 || r.body["status"] != "ok" {
					t.Errorf("%s = %d %v, want 200 ok", name, r.code, r.body)
				}
			}
			if r := get(t, c.Readyz); r.code != tt.readyz {
				t.Errorf("readyz = %d %v, want %d", r.code, r.body, tt.readyz)
			}
			r := get(t, c.Detailed)
			if r.code != tt.detailed || r.body["status"] != tt.status {
				t.Fatalf("detailed = %d %v, want %d %s", r.code, r.body, tt.detailed, tt.status)
			}

			rep := c.Snapshot(t.Context())
			if got := rep.Failed(); !equal(got, tt.downChecks) {
				t.Fatalf("failed = %v, want %v", got, tt.downChecks)
			}
			for _, d := range rep.Dependencies {
				if (d.Status == health.Down) != (d.Error != "") {
					t.Errorf("%s: status %s with error %q", d.Name, d.Status, d.Error)
				}
				if d.LatencyMS < 0 {
					t.Errorf("%s: latency %v", d.Name, d.LatencyMS)
				}
				if tt.timeoutInError && d.Error != "timed out after 50ms" {
					t.Errorf("%s: error %q, want the timeout", d.Name, d.Error)
				}
			}
		})
	}
}

func TestDetailedReportsEachDependency(t *testing.T) {
	t.Parallel()
	c := health.New(discard(),
		health.Check{Name: "database", Required: true, Ping: up, Mode: health.ModeEmbedded, Driver: "sqlite"},
		health.Check{Name: "queue", Ping: down, Mode: health.ModeExternal, Driver: "amqp"},
	)
	w := httptest.NewRecorder()
	c.Detailed(w, httptest.NewRequest(http.MethodGet, "/health/detailed", nil))
	var rep health.Report
	if err := json.NewDecoder(w.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	want := []health.Result{
		{Name: "database", Mode: "embedded", Driver: "sqlite", Required: true, Status: health.Up},
		{Name: "queue", Mode: "external", Driver: "amqp", Status: health.Down, Error: "connection refused"},
	}
	if len(rep.Dependencies) != len(want) {
		t.Fatalf("dependencies = %+v", rep.Dependencies)
	}
	for i, d := range rep.Dependencies {
		d.LatencyMS = 0
		if d != want[i] {
			t.Errorf("dependency %d = %+v, want %+v", i, d, want[i])
		}
	}
	if rep.CheckedAt.IsZero() {
		t.Error("checked_at missing")
	}
}

func TestDraining(t *testing.T) {
	t.Parallel()
	c := health.New(discard(), health.Check{Name: "database", Required: true, Ping: up})
	if r := get(t, c.Readyz); r.code != 200 {
		t.Fatalf("readyz before draining = %d", r.code)
	}
	c.SetDraining(true)
	if r := get(t, c.Readyz); r.code != 503 || r.body["status"] != "draining" {
		t.Fatalf("readyz while draining = %d %v, want 503 draining", r.code, r.body)
	}
	if r := get(t, c.Livez); r.code != 200 {
		t.Fatalf("livez while draining = %d, want 200", r.code)
	}
	if r := get(t, c.Detailed); r.body["draining"] != true {
		t.Fatalf("detailed while draining = %v, want draining true", r.body)
	}
	if !c.Snapshot(t.Context()).Draining {
		t.Fatal("snapshot does not say draining")
	}
	c.SetDraining(false)
	if r := get(t, c.Readyz); r.code != 200 {
		t.Fatalf("readyz after draining = %d", r.code)
	}
}

func TestCacheSharesOneRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		ttl   time.Duration
		calls int
		want  int64
	}{
		{"a burst within the TTL pings once", time.Hour, 50, 1},
		{"no cache pings every time", 0, 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var pings atomic.Int64
			c := health.New(discard(), health.Check{Name: "database", Required: true, Ping: func(context.Context) error {
				pings.Add(1)
				return nil
			}}).WithCacheTTL(tt.ttl)
			var wg sync.WaitGroup
			for range tt.calls {
				wg.Go(func() {
					w := httptest.NewRecorder()
					c.Readyz(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
					_, _ = io.Copy(io.Discard, w.Body)
				})
			}
			wg.Wait()
			if got := pings.Load(); got != tt.want {
				t.Fatalf("pings = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestChecksRunInParallel(t *testing.T) {
	t.Parallel()
	// Each check waits for the other to start: run one after the other, both
	// would time out.
	var started sync.WaitGroup
	started.Add(2)
	meet := func(ctx context.Context) error {
		started.Done()
		done := make(chan struct{})
		go func() { started.Wait(); close(done) }()
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c := health.New(discard(),
		health.Check{Name: "a", Required: true, Ping: meet},
		health.Check{Name: "b", Required: true, Ping: meet},
	).WithTimeout(10 * time.Second)
	if rep := c.Snapshot(t.Context()); rep.Status != health.StatusOK {
		t.Fatalf("status = %s, failed %v", rep.Status, rep.Failed())
	}
}

func TestCallerCancellationDoesNotFailChecks(t *testing.T) {
	t.Parallel()
	c := health.New(discard(), health.Check{Name: "database", Required: true, Ping: func(ctx context.Context) error {
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if rep := c.Snapshot(ctx); rep.Status != health.StatusOK {
		t.Fatalf("status = %s: a gone caller poisoned the shared result", rep.Status)
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
