package main

import (
	"bufio"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"backbone/internal/testenv"
)

// sample is one line of the Prometheus text format: its labels as written and its value.
type sample struct {
	labels string
	value  float64
}

// scrape GETs /metrics and returns its samples by metric name (histograms keep their
// _bucket, _sum and _count suffixes).
func scrape(t *testing.T, ts *testServer) map[string][]sample {
	t.Helper()
	code, body := fetch(t, ts.URL+"/metrics", "")
	if code != http.StatusOK {
		t.Fatalf("/metrics = %d", code)
	}
	out := map[string][]sample{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		sp := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[sp+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		name, labels, _ := strings.Cut(line[:sp], "{")
		out[name] = append(out[name], sample{labels: strings.TrimSuffix(labels, "}"), value: v})
	}
	return out
}

// total sums the samples of name whose labels contain every one of match (such as
// `code="UNAUTHENTICATED"`); -1 when no sample matches.
func total(m map[string][]sample, name string, match ...string) float64 {
	sum, found := 0.0, false
next:
	for _, s := range m[name] {
		for _, want := range match {
			if !strings.Contains(s.labels, want) {
				continue next
			}
		}
		sum, found = sum+s.value, true
	}
	if !found {
		return -1
	}
	return sum
}

// Issue 16: after a scripted flow (register, buy credits, submit a question, the workers
// route it) /metrics has each family of GraphQL operations, job queues, the outbox, the
// bus, the ledger and the GraphQL caches, with counts where the flow must have made them.
func TestMetricsAfterAFlow(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{
		"REDIS_URL": testenv.NeedRedis(t), "AMQP_URL": testenv.NeedAMQP(t), "NAMESPACE": testenv.RandomName("metrics"),
	})
	client := w.callers[azClient]
	id := w.qfWaiting(t, client) // buys credits, submits; the workers route it to the experts
	for range 2 {                // a named query twice: the second parse is a cache hit
		w.gql(t, "", `query WhoAmI { me { id } }`, nil)
	}
	w.gql(t, client.Token, `{ nope }`, nil) // refused before it runs

	m := scrape(t, w.ts)
	atLeastOne := []struct {
		name  string
		match []string
	}{
		{"graphql_operations_total", []string{`operation="WhoAmI"`, `type="query"`}},
		{"graphql_operations_total", []string{`operation="anonymous"`, `type="mutation"`}},
		{"graphql_operations_total", []string{`type="unknown"`}},
		{"graphql_operation_duration_seconds_count", []string{`operation="WhoAmI"`}},
		{"graphql_errors_total", []string{`operation="WhoAmI"`, `code="UNAUTHENTICATED"`}},
		{"graphql_errors_total", []string{`code="GRAPHQL_VALIDATION_FAILED"`}},
		{"graphql_cache_lookups_total", []string{`cache="documents"`, `result="hit"`}},
		{"graphql_cache_lookups_total", []string{`cache="documents"`, `result="miss"`}},
		{"queue_jobs_published_total", nil},
		{"queue_jobs_consumed_total", nil},
		{"bus_messages_published_total", nil},
		{"ledger_transactions_total", []string{`kind="PURCHASE"`}},
		{"ledger_transactions_total", []string{`kind="HOLD"`}},
		{"http_requests_total", []string{`route="query"`}},
		{"go_sql_max_open_connections", []string{`db_name="main"`}},
		{"go_sql_open_connections", []string{`db_name="main"`}},
	}
	for _, c := range atLeastOne {
		if got := total(m, c.name, c.match...); got < 1 {
			t.Errorf("%s%v = %v, want at least 1", c.name, c.match, got)
		}
	}
	// Present, and zero or more: nothing failed, the outbox may be drained.
	for _, name := range []string{"queue_jobs_failed_total", "queue_jobs_dead_lettered_total", "bus_messages_received_total",
		"bus_gaps_total", "bus_subscribers_dropped_total", "outbox_pending", "outbox_lag_seconds",
		"go_sql_wait_count_total", "go_sql_wait_duration_seconds_total"} {
		if got := total(m, name); got < 0 {
			t.Errorf("%s missing", name)
		}
	}
	// Every topic the workers consume has its depth, age and dead letters.
	for _, consumed := range m["queue_jobs_consumed_total"] {
		for _, name := range []string{"queue_depth", "queue_oldest_job_age_seconds", "queue_dead_letters"} {
			if got := total(m, name, consumed.labels); got < 0 {
				t.Errorf("%s{%s} missing", name, consumed.labels)
			}
		}
	}
	if got := total(m, "queue_jobs_dead_lettered_total"); got != 0 {
		t.Errorf("queue_jobs_dead_lettered_total = %v after a flow without failures", got)
	}

	// The same flow as /health/detailed sees it: the question waits well within its time.
	var report detailedReport
	if code := w.ts.getJSON(t, "/health/detailed", &report); code != http.StatusOK || report.Status != "ok" {
		t.Fatalf("/health/detailed = %d %+v, want 200 ok", code, report)
	}
	found := false
	for _, b := range report.Business {
		if b.Name == "oldest_waiting_question_deadline_used" {
			found = true
			if b.Detail["question_id"] != id || b.Value <= 0 || b.Value >= 0.5 { // the global id question(id:) takes
				t.Errorf("oldest waiting question = %+v, want %s early in its time", b, id)
			}
		}
	}
	if !found {
		t.Errorf("no oldest waiting question in %+v", report.Business)
	}
}

// detailedReport is /health/detailed as the business tests read it.
type detailedReport struct {
	Status   string
	Business []struct {
		Name, Status string
		Labels       map[string]string
		Value        float64
		WarnAbove    float64 `json:"warn_above"`
		Detail       map[string]any
	}
}

// With no relay running (the workers run elsewhere) the outbox falls behind: past
// HEALTH_OUTBOX_LAG_WARN /health/detailed says warn, and the server stays ready.
func TestHealthDetailedWarnsWhenTheOutboxFallsBehind(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withDefaults(embeddedEnv(t), map[string]string{
		"RUN_WORKERS": "false", "REDIS_URL": testenv.NeedRedis(t), "AMQP_URL": testenv.NeedAMQP(t), "NAMESPACE": testenv.RandomName("hw"),
		"HEALTH_OUTBOX_LAG_WARN": "1ms",
	}))
	in := map[string]any{"email": "warn@example.com", "password": azPassword, "displayName": "Warn"}
	if _, r := ts.post(t, `mutation($in: RegisterInput!) { register(input: $in) { accessToken } }`, map[string]any{"in": in}, nil); len(r.Errors) > 0 {
		t.Fatalf("register: %v", r.Errors) // its verification email waits in the outbox
	}
	var report detailedReport
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		report = detailedReport{}
		if code := ts.getJSON(t, "/health/detailed", &report); code != http.StatusOK {
			t.Fatalf("/health/detailed = %d", code)
		}
		if report.Status == "warn" || time.Now().After(deadline) {
			break
		}
	}
	if report.Status != "warn" {
		t.Fatalf("/health/detailed status %q, want warn: %+v", report.Status, report.Business)
	}
	for _, b := range report.Business {
		switch {
		case b.Name == "outbox_lag_seconds":
			if pending, _ := b.Detail["pending"].(float64); b.Status != "warn" || b.WarnAbove != 0.001 || pending < 1 {
				t.Errorf("outbox measure = %+v, want warn with a pending row", b)
			}
		case b.Status != "ok":
			t.Errorf("measure %+v, want ok", b)
		}
	}
	if code, _ := fetch(t, ts.URL+"/readyz", ""); code != http.StatusOK {
		t.Errorf("/readyz = %d while warning, want 200", code)
	}
}
