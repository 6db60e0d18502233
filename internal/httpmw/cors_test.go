package httpmw_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"backbone/internal/httpmw"
)

func TestCORSRefusesAnUnrequestedWildcard(t *testing.T) {
	t.Parallel()
	if _, err := httpmw.CORS([]string{"https://a.test", "*"}, httpmw.CORSOptions{}); !errors.Is(err, httpmw.ErrWildcardOrigin) {
		t.Fatalf("err = %v, want ErrWildcardOrigin", err)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	apps := []string{"https://app.example.com", "https://*.preview.example.com"}
	tests := []struct {
		name        string
		origins     []string
		opts        httpmw.CORSOptions
		origin      string
		preflight   string // Access-Control-Request-Headers; "" for an actual request
		allowOrigin string
		credentials string
	}{
		{"an allowed origin with credentials", apps, httpmw.CORSOptions{}, "https://app.example.com", "", "https://app.example.com", "true"},
		{"a wildcard-pattern origin", apps, httpmw.CORSOptions{}, "https://pr-12.preview.example.com", "", "https://pr-12.preview.example.com", "true"},
		{"an unknown origin gets nothing", apps, httpmw.CORSOptions{}, "https://evil.test", "", "", ""},
		{"no origins configured gets nothing", nil, httpmw.CORSOptions{}, "https://app.example.com", "", "", ""},
		{"a preflight with the GraphQL headers", apps, httpmw.CORSOptions{}, "https://app.example.com",
			"authorization,content-type,x-api-key,x-request-id", "https://app.example.com", "true"},
		{"a preflight with the tracing headers", apps, httpmw.CORSOptions{}, "https://app.example.com",
			"content-type,traceparent,tracestate", "https://app.example.com", "true"},
		{"a preflight with an unknown header is refused", apps, httpmw.CORSOptions{}, "https://app.example.com", "x-evil", "", ""},
		{"a preflight with an extra allowed header", apps, httpmw.CORSOptions{ExtraHeaders: []string{"X-Trace"}},
			"https://app.example.com", "x-trace", "https://app.example.com", "true"},
		{"an explicit wildcard allows any origin without credentials", []string{"*"}, httpmw.CORSOptions{AllowWildcard: true},
			"https://anyone.test", "", "*", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			mw, err := httpmw.CORS(tt.origins, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			var reached bool
			h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
			r := httptest.NewRequest(http.MethodPost, "/graphql", nil)
			if tt.preflight != "" {
				r = httptest.NewRequest(http.MethodOptions, "/graphql", nil)
				r.Header.Set("Access-Control-Request-Method", http.MethodPost)
				r.Header.Set("Access-Control-Request-Headers", tt.preflight)
			}
			r.Header.Set("Origin", tt.origin)
			w := serve(h, r)
			if got := w.Header().Get("Access-Control-Allow-Origin"); got != tt.allowOrigin {
				t.Fatalf("Allow-Origin = %q, want %q", got, tt.allowOrigin)
			}
			if got := w.Header().Get("Access-Control-Allow-Credentials"); got != tt.credentials {
				t.Fatalf("Allow-Credentials = %q, want %q", got, tt.credentials)
			}
			if tt.preflight != "" && len(tt.origins) > 0 {
				if reached {
					t.Fatal("a preflight reached the handler")
				}
				if tt.allowOrigin != "" && w.Header().Get("Access-Control-Max-Age") != "600" {
					t.Fatalf("Max-Age = %q, want 600", w.Header().Get("Access-Control-Max-Age"))
				}
				return
			}
			// The RateLimit headers README documents, for scripts to read.
			if got := w.Header().Get("Access-Control-Expose-Headers"); tt.allowOrigin != "" && got != "X-Request-Id, Ratelimit, Ratelimit-Policy, Retry-After" {
				t.Fatalf("Expose-Headers = %q", got)
			}
		})
	}
}

func TestCORSRefusesAPreflightFromAnUnknownOriginNamingTheSetting(t *testing.T) {
	t.Parallel()
	for _, origins := range [][]string{nil, {"https://app.example.com"}} {
		mw, err := httpmw.CORS(origins, httpmw.CORSOptions{})
		if err != nil {
			t.Fatal(err)
		}
		h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("a refused preflight reached the handler") }))
		r := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
		r.Header.Set("Origin", "https://evil.test")
		r.Header.Set("Access-Control-Request-Method", http.MethodPost)
		w := serve(h, r)
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "CORS_ORIGINS") {
			t.Errorf("origins %v: preflight from an unknown origin = %d %q, want 403 naming CORS_ORIGINS", origins, w.Code, w.Body.String())
		}
	}
}

// A preflight from an allowed origin asking for a header the server does not allow gets a
// 403 naming the header and the allowed ones, rather than a bare CORS failure.
func TestCORSRefusesAPreflightForAnUnknownHeaderNamingIt(t *testing.T) {
	t.Parallel()
	mw, err := httpmw.CORS([]string{"https://app.example.com"}, httpmw.CORSOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := mw(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("a refused preflight reached the handler") }))
	r := httptest.NewRequest(http.MethodOptions, "/graphql", nil)
	r.Header.Set("Origin", "https://app.example.com")
	r.Header.Set("Access-Control-Request-Method", http.MethodPost)
	r.Header.Set("Access-Control-Request-Headers", "authorization,content-type,x-custom")
	w := serve(h, r)
	if body := w.Body.String(); w.Code != http.StatusForbidden || !strings.Contains(body, `"x-custom"`) || !strings.Contains(body, "Authorization") {
		t.Errorf("preflight asking for x-custom = %d %q, want 403 naming it and the allowed headers", w.Code, body)
	}
}
