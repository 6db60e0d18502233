package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

// productionEnv is a production configuration on SQLite, plus extra.
func productionEnv(t *testing.T, extra map[string]string) map[string]string {
	env := withDefaults(embeddedEnv(t), map[string]string{"APP_ENV": "production", "JWT_SECRET": testJWTSecret, "DATA_ENCRYPTION_KEYS": testDataKeys})
	return withDefaults(env, extra)
}

// fetch GETs url with the Authorization value auth ("" none): the status and the body.
func fetch(t *testing.T, url, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// operatorPaths and what each answers with when served.
var operatorPaths = map[string]string{"/metrics": "go_goroutines", "/health/detailed": `"dependencies"`}

// Issue 11 (item 14): /metrics and /health/detailed showed process metrics, dependency
// drivers, latencies and error texts to anyone. In production they are never open on the
// public listener; liveness and readiness stay public.
func TestOperatorEndpointsAreNotPublicInProduction(t *testing.T) {
	t.Parallel()
	probesPublic := func(t *testing.T, ts *testServer) {
		t.Helper()
		for _, path := range []string{"/livez", "/readyz", "/healthz"} {
			if code, _ := fetch(t, ts.URL+path, ""); code != http.StatusOK {
				t.Errorf("%s = %d, want 200", path, code)
			}
		}
	}

	t.Run("neither METRICS_ADDR nor METRICS_TOKEN: not served", func(t *testing.T) {
		t.Parallel()
		ts := startServer(t, productionEnv(t, nil))
		for path := range operatorPaths {
			if code, body := fetch(t, ts.URL+path, ""); code != http.StatusNotFound {
				t.Errorf("public %s = %d %.80s, want 404", path, code, body)
			}
		}
		probesPublic(t, ts)
	})

	t.Run("METRICS_ADDR: on that listener only", func(t *testing.T) {
		t.Parallel()
		ops := fmt.Sprintf("127.0.0.1:%d", freePort(t))
		ts := startServer(t, productionEnv(t, map[string]string{"METRICS_ADDR": ops}))
		for path, want := range operatorPaths {
			if code, _ := fetch(t, ts.URL+path, ""); code != http.StatusNotFound {
				t.Errorf("public %s = %d, want 404", path, code)
			}
			if code, body := fetch(t, "http://"+ops+path, ""); code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("%s on METRICS_ADDR = %d %.80s, want 200 with %s", path, code, body, want)
			}
		}
		probesPublic(t, ts)
		// `backbone healthcheck` probes METRICS_ADDR, where a worker answers too.
		env := map[string]string{"ADDR": strings.TrimPrefix(ts.URL, "http://"), "METRICS_ADDR": ops}
		if err := run(context.Background(), []string{"healthcheck"}, mapEnv(env), io.Discard, io.Discard); err != nil {
			t.Errorf("healthcheck: %v", err)
		}
	})

	t.Run("METRICS_TOKEN: behind the token", func(t *testing.T) {
		t.Parallel()
		token := strings.Repeat("m", 40)
		ts := startServer(t, productionEnv(t, map[string]string{"METRICS_TOKEN": token}))
		for path, want := range operatorPaths {
			for _, auth := range []string{"", "Bearer " + strings.Repeat("x", 40), token} {
				if code, _ := fetch(t, ts.URL+path, auth); code != http.StatusUnauthorized {
					t.Errorf("%s with Authorization %q = %d, want 401", path, auth, code)
				}
			}
			if code, body := fetch(t, ts.URL+path, "Bearer "+token); code != http.StatusOK || !strings.Contains(body, want) {
				t.Errorf("%s with the token = %d %.80s, want 200 with %s", path, code, body, want)
			}
		}
		probesPublic(t, ts)
	})
}

// The embedded default stays convenient: both on the one listener, open.
func TestOperatorEndpointsOnThePublicListenerInDevelopment(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	for path, want := range operatorPaths {
		if code, body := fetch(t, ts.URL+path, ""); code != http.StatusOK || !strings.Contains(body, want) {
			t.Errorf("%s = %d %.80s, want 200 with %s", path, code, body, want)
		}
	}
}
