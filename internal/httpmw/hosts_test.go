package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"backbone/internal/httpmw"
)

func TestTrustedHosts(t *testing.T) {
	t.Parallel()
	hosts := []string{"api.example.com", "*.apps.example.com", "localhost:8080", "[::1]:8080"}
	exempt := []string{"/healthz", "/health/"}
	tests := []struct {
		name  string
		hosts []string
		host  string
		path  string
		ok    bool
	}{
		{"an empty list allows any host", nil, "evil.test", "/graphql", true},
		{"an exact host", hosts, "api.example.com", "/graphql", true},
		{"an exact host on any port", hosts, "api.example.com:8443", "/graphql", true},
		{"host case does not matter", hosts, "API.Example.COM", "/graphql", true},
		{"a trailing dot is the same name", hosts, "api.example.com.", "/graphql", true},
		{"a wildcard subdomain", hosts, "eu.apps.example.com", "/graphql", true},
		{"a wildcard deeper subdomain", hosts, "a.eu.apps.example.com:443", "/graphql", true},
		{"a wildcard does not match its parent", hosts, "apps.example.com", "/graphql", false},
		{"a wildcard does not match a lookalike", hosts, "evilapps.example.com", "/graphql", false},
		{"a host with a pinned port", hosts, "localhost:8080", "/graphql", true},
		{"a host on another port than pinned", hosts, "localhost:9090", "/graphql", false},
		{"an IPv6 host with a pinned port", hosts, "[::1]:8080", "/graphql", true},
		{"an unknown host", hosts, "evil.test", "/graphql", false},
		{"a suffix attack", hosts, "api.example.com.evil.test", "/graphql", false},
		{"an exempt exact path", hosts, "10.0.0.5:8080", "/healthz", true},
		{"an exempt prefix", hosts, "10.0.0.5:8080", "/health/detailed", true},
		{"an exact exemption is not a prefix", hosts, "10.0.0.5:8080", "/healthz/x", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest(http.MethodGet, tt.path, nil)
			r.Host = tt.host
			w := serve(httpmw.TrustedHosts(tt.hosts, exempt...)(okHandler), r)
			if tt.ok {
				if w.Code != http.StatusOK {
					t.Fatalf("status = %d, want 200", w.Code)
				}
				return
			}
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400", w.Code)
			}
			if got := errorCode(t, w.Body.Bytes()); got != "BAD_REQUEST" {
				t.Fatalf("code = %q, want BAD_REQUEST", got)
			}
		})
	}
}
