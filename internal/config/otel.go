package config

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// otelProblems checks the OTEL_* variables the README documents, which the OpenTelemetry
// SDK reads from the environment itself: the SDK takes a value it cannot use with a
// plain-text line on stderr and carries on with its default (a scheme-less endpoint
// exports to https://localhost:4318), so they are checked here, when tracing is on.
func otelProblems(getenv func(string) string) []error {
	var p []error
	bad := func(format string, args ...any) { p = append(p, fmt.Errorf(format, args...)) }
	for _, name := range []string{"OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"} {
		if v := env(getenv, name); v != "" {
			if err := checkURL(v, "http", "https"); err != nil {
				bad("%s: %v (an OTLP/HTTP collector's URL, such as http://127.0.0.1:4318)", name, err)
			}
		}
	}
	for _, prefix := range []string{"OTEL_EXPORTER_OTLP_", "OTEL_EXPORTER_OTLP_TRACES_"} {
		if v := env(getenv, prefix+"HEADERS"); v != "" {
			if err := checkOTLPHeaders(v); err != nil {
				bad("%sHEADERS: %v", prefix, err)
			}
		}
		if v := env(getenv, prefix+"TIMEOUT"); v != "" {
			if ms, err := strconv.Atoi(v); err != nil || ms < 0 {
				bad("%sTIMEOUT: %q is not a whole number of milliseconds", prefix, v)
			}
		}
		if v := env(getenv, prefix+"COMPRESSION"); v != "" && v != "gzip" && v != "none" {
			bad("%sCOMPRESSION: %q is neither gzip nor none", prefix, v)
		}
		if v := env(getenv, prefix+"CERTIFICATE"); v != "" {
			if err := checkCertificateFile(v); err != nil {
				bad("%sCERTIFICATE: %v", prefix, err)
			}
		}
	}
	if v := env(getenv, "OTEL_RESOURCE_ATTRIBUTES"); v != "" {
		if err := checkKeyValues(v); err != nil {
			bad("OTEL_RESOURCE_ATTRIBUTES: %v", err)
		}
	}
	return append(p, samplerProblems(env(getenv, "OTEL_TRACES_SAMPLER"), env(getenv, "OTEL_TRACES_SAMPLER_ARG"))...)
}

// env reads a variable as the SDK does: trimmed.
func env(getenv func(string) string, name string) string { return strings.TrimSpace(getenv(name)) }

// checkOTLPHeaders checks key=value,... as the exporter reads it: each key an HTTP header
// name, each value URL-decodable.
func checkOTLPHeaders(v string) error {
	for _, pair := range strings.Split(v, ",") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok {
			return fmt.Errorf("%q is not key=value", strings.TrimSpace(pair))
		}
		if key = strings.TrimSpace(key); !httpguts.ValidHeaderFieldName(key) {
			return fmt.Errorf("%q is not a header name", key)
		}
		if _, err := url.PathUnescape(value); err != nil {
			return fmt.Errorf("the value of %s is not URL-encoded: %v", key, err)
		}
	}
	return nil
}

// checkKeyValues checks key=value,... as the SDK reads OTEL_RESOURCE_ATTRIBUTES.
func checkKeyValues(v string) error {
	for _, pair := range strings.Split(v, ",") {
		key, value, ok := strings.Cut(pair, "=")
		if !ok || strings.TrimSpace(key) == "" {
			return fmt.Errorf("%q is not key=value", strings.TrimSpace(pair))
		}
		if _, err := url.PathUnescape(strings.TrimSpace(value)); err != nil {
			return fmt.Errorf("the value of %s is not URL-encoded: %v", strings.TrimSpace(key), err)
		}
	}
	return nil
}

// checkCertificateFile checks that path holds at least one PEM certificate.
func checkCertificateFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if !x509.NewCertPool().AppendCertsFromPEM(b) {
		return fmt.Errorf("%s holds no PEM certificate", path)
	}
	return nil
}

// samplerProblems checks OTEL_TRACES_SAMPLER against the samplers the SDK builds from the
// environment, and the ratio OTEL_TRACES_SAMPLER_ARG gives the ratio-based ones.
func samplerProblems(sampler, arg string) []error {
	switch strings.ToLower(sampler) {
	case "", "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
		return nil
	case "traceidratio", "parentbased_traceidratio":
		if arg == "" {
			return nil
		}
		if r, err := strconv.ParseFloat(arg, 64); err != nil || r < 0 || r > 1 {
			return []error{fmt.Errorf("OTEL_TRACES_SAMPLER_ARG: %q is not a ratio between 0 and 1", arg)}
		}
		return nil
	default:
		return []error{fmt.Errorf("OTEL_TRACES_SAMPLER: %q is not one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio", sampler)}
	}
}
