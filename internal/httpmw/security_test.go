package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"backbone/internal/httpmw"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	playground := httpmw.CSP(httpmw.PlaygroundCSP)(okHandler)
	tests := []struct {
		name    string
		opts    httpmw.SecurityOptions
		handler http.Handler
		want    map[string]string
	}{
		{
			name:    "defaults suit a JSON API without HSTS",
			handler: okHandler,
			want: map[string]string{
				"X-Content-Type-Options":    "nosniff",
				"X-Frame-Options":           "DENY",
				"Referrer-Policy":           "no-referrer",
				"Content-Security-Policy":   httpmw.APICSP,
				"Strict-Transport-Security": "",
			},
		},
		{
			name: "HSTS when configured",
			opts: httpmw.SecurityOptions{
				HSTSMaxAge: 365 * 24 * time.Hour, HSTSIncludeSubdomains: true,
				ReferrerPolicy: "strict-origin-when-cross-origin",
			},
			handler: okHandler,
			want: map[string]string{
				"Strict-Transport-Security": "max-age=31536000; includeSubDomains",
				"Referrer-Policy":           "strict-origin-when-cross-origin",
			},
		},
		{
			name:    "a route overrides the CSP",
			handler: playground,
			want: map[string]string{
				"Content-Security-Policy": httpmw.PlaygroundCSP,
				"X-Frame-Options":         "DENY",
			},
		},
		{
			name:    "a custom default CSP",
			opts:    httpmw.SecurityOptions{CSP: "default-src 'self'"},
			handler: okHandler,
			want:    map[string]string{"Content-Security-Policy": "default-src 'self'"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := serve(httpmw.SecurityHeaders(tt.opts)(tt.handler), httptest.NewRequest(http.MethodGet, "/", nil))
			for k, v := range tt.want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
