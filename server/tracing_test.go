package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"backbone/internal/testenv"
	"backbone/internal/tracing"
)

// TestOneTraceFollowsAMutationIntoItsJobs: a registration sent with a caller's
// traceparent makes one trace holding the HTTP request, the GraphQL operation, its SQL
// statements (the outbox row among them), the relay's publish of the verification email
// job (continuing the trace context stored in the outbox row) and the mail worker's
// processing of it (continuing the one in the message), each span the child of the one
// before; over the in-process queue and over RabbitMQ. A websocket still opens through the
// traced HTTP middleware.
func TestOneTraceFollowsAMutationIntoItsJobs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		env  func(*testing.T) map[string]string
	}{
		{"memory queue and SQLite", embeddedEnv},
		{"RabbitMQ and PostgreSQL", func(t *testing.T) map[string]string {
			return map[string]string{"DATABASE_URL": testenv.NewPostgresDB(t), "AMQP_URL": testenv.NeedAMQP(t),
				"NAMESPACE": testenv.RandomName("trace-")}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			rec := tracetest.NewSpanRecorder()
			tr, err := tracing.StartWith(context.Background(), tracing.Service{Name: "backbone", Version: "test"}, rec)
			if err != nil {
				t.Fatal(err)
			}
			ts := startServerCtx(t, withTracing(context.Background(), tr), c.env(t))

			caller := randomSpanContext(t)
			header := http.Header{"Traceparent": {fmt.Sprintf("00-%s-%s-01", caller.TraceID(), caller.SpanID())}}
			email := uniqueEmail("trace")
			status, r := ts.post(t, `mutation TraceRegister($in: RegisterInput!) { register(input: $in) { accessToken } }`,
				map[string]any{"in": map[string]any{"email": email, "password": testPassword, "displayName": "Traced"}}, header)
			if status != http.StatusOK || len(r.Errors) > 0 {
				t.Fatalf("register: status %d, errors %+v", status, r.Errors)
			}
			ts.emailedToken(t, email, verifySubject) // the worker has sent the email
			var out struct{ Register struct{ AccessToken string } }
			if err := json.Unmarshal(r.Data, &out); err != nil {
				t.Fatal(err)
			}
			wsAuthed(t, ts, out.Register.AccessToken) // the traced writer still hijacks

			var spans traceSpans
			waitFor(t, 30*time.Second, "the mail job's process span", func() bool {
				spans = inTrace(rec.Ended(), caller.TraceID())
				return spans.named("process mail.send") != nil
			})
			httpSpan := spans.must(t, "POST /query", trace.SpanKindServer)
			if p := httpSpan.Parent(); p.SpanID() != caller.SpanID() || !p.IsRemote() {
				t.Errorf("the request's span has parent %v, not the caller's span %v", p.SpanID(), caller.SpanID())
			}
			op := spans.must(t, "mutation TraceRegister", trace.SpanKindInternal)
			spans.mustBeChild(t, op, httpSpan)
			insert := spans.find(func(s sdktrace.ReadOnlySpan) bool {
				q := attr(s, "db.query.text")
				return strings.HasPrefix(q, "INSERT INTO") && strings.Contains(q, "outbox_messages")
			})
			if insert == nil {
				t.Fatalf("no span of the outbox row's INSERT in the trace:\n%s", spans)
			}
			spans.mustDescend(t, insert, op)
			send := spans.must(t, "send mail.send", trace.SpanKindProducer)
			spans.mustDescend(t, send, op)
			process := spans.must(t, "process mail.send", trace.SpanKindConsumer)
			spans.mustBeChild(t, process, send)
		})
	}
}

// traceSpans are the ended spans of one trace.
type traceSpans []sdktrace.ReadOnlySpan

func inTrace(all []sdktrace.ReadOnlySpan, id trace.TraceID) traceSpans {
	var out traceSpans
	for _, s := range all {
		if s.SpanContext().TraceID() == id {
			out = append(out, s)
		}
	}
	return out
}

func (ss traceSpans) find(ok func(sdktrace.ReadOnlySpan) bool) sdktrace.ReadOnlySpan {
	for _, s := range ss {
		if ok(s) {
			return s
		}
	}
	return nil
}

func (ss traceSpans) named(name string) sdktrace.ReadOnlySpan {
	return ss.find(func(s sdktrace.ReadOnlySpan) bool { return s.Name() == name })
}

func (ss traceSpans) must(t *testing.T, name string, kind trace.SpanKind) sdktrace.ReadOnlySpan {
	t.Helper()
	s := ss.named(name)
	if s == nil {
		t.Fatalf("no span %q in the trace:\n%s", name, ss)
	}
	if s.SpanKind() != kind {
		t.Errorf("span %q is of kind %v, want %v", name, s.SpanKind(), kind)
	}
	return s
}

func (ss traceSpans) mustBeChild(t *testing.T, child, parent sdktrace.ReadOnlySpan) {
	t.Helper()
	if child.Parent().SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("span %q is not a child of %q:\n%s", child.Name(), parent.Name(), ss)
	}
}

// mustDescend checks that ancestor is on s's chain of parents.
func (ss traceSpans) mustDescend(t *testing.T, s, ancestor sdktrace.ReadOnlySpan) {
	t.Helper()
	for cur := s; cur != nil; {
		if cur.SpanContext().SpanID() == ancestor.SpanContext().SpanID() {
			return
		}
		parent := cur.Parent().SpanID()
		cur = ss.find(func(p sdktrace.ReadOnlySpan) bool { return p.SpanContext().SpanID() == parent })
	}
	t.Errorf("span %q does not descend from %q:\n%s", s.Name(), ancestor.Name(), ss)
}

func (ss traceSpans) String() string {
	var b strings.Builder
	for _, s := range ss {
		fmt.Fprintf(&b, "  %s %q kind=%v parent=%s %s\n", s.SpanContext().SpanID(), s.Name(), s.SpanKind(),
			s.Parent().SpanID(), attr(s, "db.query.text"))
	}
	return b.String()
}

func attr(s sdktrace.ReadOnlySpan, key string) string {
	for _, kv := range s.Attributes() {
		if string(kv.Key) == key {
			return kv.Value.Emit()
		}
	}
	return ""
}

func randomSpanContext(t *testing.T) trace.SpanContext {
	var tid trace.TraceID
	var sid trace.SpanID
	_, _ = rand.Read(tid[:])
	_, _ = rand.Read(sid[:])
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	if !sc.IsValid() {
		t.Fatal("random span context is invalid")
	}
	return sc
}

// otlpCollector is a fake OTLP/HTTP collector: it keeps the bodies posted to /v1/traces.
type otlpCollector struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newOTLPCollector(t *testing.T) *otlpCollector {
	c := &otlpCollector{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.URL.Path == "/v1/traces" {
			c.mu.Lock()
			c.bodies = append(c.bodies, b)
			c.mu.Unlock()
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

// received reports whether an export held every one of the strings.
func (c *otlpCollector) received(want ...string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.bodies {
		all := true
		for _, w := range want {
			all = all && bytes.Contains(b, []byte(w))
		}
		if all {
			return true
		}
	}
	return false
}

// TestTracesGoToTheOTLPEndpointAndAreFlushedAtShutdown: with OTEL_EXPORTER_OTLP_ENDPOINT
// set, a request's spans reach the collector, named after the service, by the time the
// server has stopped: the batch processor's delay (5 s) has not passed, so only the
// flush at shutdown can have sent them. Not parallel: the SDK reads the process's
// environment.
func TestTracesGoToTheOTLPEndpointAndAreFlushedAtShutdown(t *testing.T) {
	collector := newOTLPCollector(t)
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "60000") // no export but the flush
	env := embeddedEnv(t)
	env["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.URL
	ts := startServer(t, env)
	if status, r := ts.post(t, `query TracedPing { __typename }`, nil, nil); status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query: status %d, errors %+v", status, r.Errors)
	}
	if collector.received("query TracedPing") {
		t.Fatal("spans were exported before shutdown; the test cannot tell the flush")
	}
	if err := ts.stop(); err != nil {
		t.Fatal(err)
	}
	if !collector.received("backbone", "POST /query", "query TracedPing") {
		t.Fatalf("the collector did not get the request's spans by shutdown (%d exports)", len(collector.bodies))
	}
}

// TestTracingOffByDefault: without an OTLP endpoint the configuration leaves tracing off,
// and OTEL_SDK_DISABLED turns it off with one.
func TestTracingOffByDefault(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://collector:4318/v1/traces"}, true},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SDK_DISABLED": "true"}, false},
	} {
		cfg, err := loadConfig(mapEnv(c.env))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Tracing != c.want {
			t.Errorf("env %v: tracing %t, want %t", c.env, cfg.Tracing, c.want)
		}
		tr, err := openTracing(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Enabled() != c.want {
			t.Errorf("env %v: provider enabled %t, want %t", c.env, tr.Enabled(), c.want)
		}
		_ = tr.Shutdown(context.Background())
	}
}
