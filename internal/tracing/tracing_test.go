package tracing_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"backbone/internal/tracing"
)

// TestResourceNamesTheService: spans carry service.name and service.version from the
// code, and OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over them. Not parallel:
// the SDK reads the process's environment.
func TestResourceNamesTheService(t *testing.T) {
	for _, c := range []struct {
		env        map[string]string
		name, more string
	}{
		{nil, "backbone", ""},
		{map[string]string{"OTEL_SERVICE_NAME": "api-eu", "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod"}, "api-eu", "prod"},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		rec := tracetest.NewSpanRecorder()
		tr, err := tracing.StartWith(context.Background(), tracing.Service{Name: "backbone", Version: "v1.2.3"}, rec)
		if err != nil {
			t.Fatal(err)
		}
		_, span := tr.Provider.Tracer("test").Start(context.Background(), "s")
		span.End()
		_ = tr.Shutdown(context.Background())
		got := map[string]string{}
		for _, kv := range rec.Ended()[0].Resource().Attributes() {
			got[string(kv.Key)] = kv.Value.Emit()
		}
		if got["service.name"] != c.name || got["service.version"] != "v1.2.3" || got["deployment.environment.name"] != c.more {
			t.Errorf("env %v: resource %v", c.env, got)
		}
	}
}

// TestOffRecordsNothing: tracing off hands out spans that record nothing, and its
// shutdown has nothing to do.
func TestOffRecordsNothing(t *testing.T) {
	t.Parallel()
	tr := tracing.Off()
	_, span := tr.Provider.Tracer("test").Start(context.Background(), "s")
	if tr.Enabled() || span.IsRecording() {
		t.Fatal("tracing off records spans")
	}
	if err := tr.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
