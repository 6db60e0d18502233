package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"backbone/internal/config"
)

// A value the OpenTelemetry SDK could not use would be logged by it on stderr and replaced
// by its default; with tracing on, start-up refuses it naming the variable.
func TestBadOTelSettingsAreRefusedWithTracingOn(t *testing.T) {
	t.Parallel()
	notPEM := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	endpoint := map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}
	for _, tc := range []struct {
		name, variable, value string
	}{
		{"an endpoint without a scheme", "OTEL_EXPORTER_OTLP_ENDPOINT", "127.0.0.1:4318"},
		{"an endpoint host as scheme", "OTEL_EXPORTER_OTLP_ENDPOINT", "localhost:4318"},
		{"a gRPC endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT", "grpc://collector:4317"},
		{"a traces endpoint without a host", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http:///v1/traces"},
		{"an unknown sampler", "OTEL_TRACES_SAMPLER", "bogus"},
		{"a missing CA file", "OTEL_EXPORTER_OTLP_CERTIFICATE", "/nonexistent.pem"},
		{"a CA file without a certificate", "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE", notPEM},
		{"headers without =", "OTEL_EXPORTER_OTLP_HEADERS", "api-key"},
		{"a header name with a space", "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "api key=x"},
		{"a timeout with a unit", "OTEL_EXPORTER_OTLP_TIMEOUT", "10s"},
		{"an unknown compression", "OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"},
		{"a resource attribute without a value", "OTEL_RESOURCE_ATTRIBUTES", "deployment.environment.name"},
	} {
		env := withDefaults(map[string]string{tc.variable: tc.value}, endpoint)
		c, err := config.FromEnv(envOf(env))
		if err == nil {
			err = c.Validate()
		}
		if err == nil || !strings.Contains(err.Error(), tc.variable) {
			t.Errorf("%s (%s=%s): error %v should name the variable", tc.name, tc.variable, tc.value, err)
		}
	}
	for _, tc := range []struct{ sampler, arg string }{{"bogus", ""}, {"parentbased_traceidratio", "2"}, {"traceidratio", "a tenth"}} {
		env := withDefaults(map[string]string{"OTEL_TRACES_SAMPLER": tc.sampler, "OTEL_TRACES_SAMPLER_ARG": tc.arg}, endpoint)
		if _, err := config.FromEnv(envOf(env)); err == nil || !strings.Contains(err.Error(), "OTEL_TRACES_SAMPLER") {
			t.Errorf("sampler %q with %q: error %v should name OTEL_TRACES_SAMPLER", tc.sampler, tc.arg, err)
		}
	}
}

// The documented forms are accepted, and the OTEL_* values are not checked with tracing off.
func TestGoodOTelSettingsAreAccepted(t *testing.T) {
	t.Parallel()
	c, err := config.FromEnv(envOf(map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector.example:4318", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=s%20ecret,x-team=a",
		"OTEL_EXPORTER_OTLP_TIMEOUT": "10000", "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip",
		"OTEL_RESOURCE_ATTRIBUTES": "deployment.environment.name=prod", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1",
	}))
	if err == nil {
		err = c.Validate()
	}
	if err != nil || !c.Tracing {
		t.Errorf("documented OTEL_* values: tracing %t, error %v", c.Tracing, err)
	}
	c, err = config.FromEnv(envOf(map[string]string{"OTEL_TRACES_SAMPLER": "bogus"}))
	if err != nil || c.Tracing {
		t.Errorf("tracing off: tracing %t, error %v", c.Tracing, err)
	}
}

func withDefaults(env, defaults map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range defaults {
		out[k] = v
	}
	for k, v := range env {
		out[k] = v
	}
	return out
}
