package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// BenchmarkProductionQuery serves `{ __typename }` through the handler newHTTP builds,
// with the configuration bench/http deploys (production, JSON access log at info into a
// real file, metrics, Redis rate budgets charged on every request, CORS, security
// headers): the middleware, the transport and gqlgen without the network. It needs
// PostgreSQL and Redis.
//
//	go test -run '^$' -bench BenchmarkProductionQuery -benchmem ./server
func BenchmarkProductionQuery(b *testing.B) {
	dbURL := testenv.NewPostgresDB(b)
	env := map[string]string{
		"APP_ENV":               "production",
		"DATABASE_URL":          dbURL,
		"REDIS_URL":             testenv.NeedRedis(b),
		"NAMESPACE":             testenv.RandomName("benchprod"),
		"JWT_SECRET":            "bench-secret-bench-secret-bench-secret-0123",
		"JWT_ISSUER":            "backbone-bench",
		"JWT_AUDIENCE":          "backbone-bench",
		"DATA_ENCRYPTION_KEYS":  "bench:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"CORS_ORIGINS":          "https://bench.invalid",
		"PUBLIC_URL":            "https://bench.invalid",
		"LOG_FORMAT":            "json",
		"LOG_LEVEL":             "info",
		"METRICS_ADDR":          "127.0.0.1:0",
		"MIGRATE_ON_START":      "true",
		"RUN_WORKERS":           "false",
		"MAIL_DIR":              b.TempDir(),
		"RATE_BUDGET_USER":      "1000000000",
		"RATE_BUDGET_API_KEY":   "1000000000",
		"RATE_BUDGET_ANONYMOUS": "1000000000",
	}
	cfg, err := loadConfig(mapEnv(env))
	if err != nil {
		b.Fatal(err)
	}
	out, err := os.Create(filepath.Join(b.TempDir(), "stdout.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = out.Close() })
	log, closeLog, err := newLogger(cfg, out)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(closeLog)
	a, err := openApp(context.Background(), cfg, log)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = a.close() })
	h, err := newHTTP(a)
	if err != nil {
		b.Fatal(err)
	}
	const body = `{"query":"{ __typename }"}`
	b.ReportAllocs()
	// Wall time says little on a shared machine; the process's CPU time per request (its
	// collector's and Redis client's included) says what a request costs.
	cpu0 := processCPU(b)
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/query", strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:40000"
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("User-Agent", "bench")
		w := httptest.NewRecorder()
		h.handler.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
	b.ReportMetric(float64(processCPU(b)-cpu0)/float64(b.N), "cpu-ns/op")
}

// processCPU is the user and system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
