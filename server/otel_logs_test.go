package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestOpenTelemetryErrorsReachTheStructuredLog runs the server as a process (the SDK's
// logger and error handler are process globals) with LOG_FORMAT=json and a collector
// that refuses every export. The failed export (at the flush on shutdown) and the SDK's
// own error about an unreadable client certificate (at start-up) arrive as JSON lines
// naming the library, and nothing on the process's output is a plain line.
func TestOpenTelemetryErrorsReachTheStructuredLog(t *testing.T) {
	t.Parallel()
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "refused", http.StatusBadRequest) // not retried by the exporter
	}))
	t.Cleanup(collector.Close)
	env := withDefaults(embeddedEnv(t), map[string]string{
		"LOG_FORMAT":                  "json",
		"OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL,
		"OTEL_BSP_SCHEDULE_DELAY":     "600000", // no export but the flush at shutdown
		// Not among the checked variables: the SDK reports them itself, through its logger.
		"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/nonexistent/client.pem",
		"OTEL_EXPORTER_OTLP_CLIENT_KEY":         "/nonexistent/client.key",
	})
	p := startProcesses(t, buildServerBinary(t), env, "A")[0]
	if status, r := p.post(t, `query Traced { __typename }`, nil, nil); status != http.StatusOK || len(r.Errors) > 0 {
		t.Fatalf("query: status %d, errors %+v", status, r.Errors)
	}
	if err := p.stop(); err != nil {
		t.Fatal(err)
	}
	var exportWarned, certErrored bool
	for _, line := range strings.Split(strings.TrimSpace(p.logs.String()), "\n") {
		var entry map[string]any
		if err := json.Unmarshal([]byte(line), &entry); err != nil {
			t.Errorf("a line that is not JSON: %s", line)
			continue
		}
		if entry["library"] != "opentelemetry" {
			continue
		}
		msg, _ := entry["msg"].(string)
		exportWarned = exportWarned || entry["level"] == "WARN" && strings.Contains(msg, "traces export")
		certErrored = certErrored || entry["level"] == "ERROR" && strings.Contains(msg, "client cert")
	}
	if !exportWarned || !certErrored {
		t.Errorf("export failure logged: %t, client certificate error logged: %t\n%s", exportWarned, certErrored, p.logs.String())
	}
}
