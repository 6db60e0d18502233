package httpmw

import (
	"net/http"
	"strconv"
	"time"
)

// APICSP is the Content-Security-Policy for JSON responses: nothing may load,
// nothing may frame them.
const APICSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// PlaygroundCSP is the relaxed policy for the GraphiQL page, which loads its
// scripts and styles from this server (embedded in the binary), runs one inline
// bootstrap script and talks to the API over fetch and websockets.
const PlaygroundCSP = "default-src 'none'; " +
	"script-src 'self' 'unsafe-inline'; " +
	"style-src 'self' 'unsafe-inline'; " +
	"font-src 'self' data:; " +
	"img-src 'self' data:; " +
	"connect-src 'self' ws: wss:; " +
	"worker-src 'self' blob:; " +
	"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// SecurityOptions configures SecurityHeaders. The zero value suits a JSON API
// served over plain HTTP.
type SecurityOptions struct {
	// CSP is the Content-Security-Policy; empty means APICSP. Override it per
	// route with CSP.
	CSP string
	// ReferrerPolicy defaults to "no-referrer".
	ReferrerPolicy string
	// HSTSMaxAge > 0 sends Strict-Transport-Security: set it only in
	// production behind TLS, since browsers then refuse plain HTTP.
	HSTSMaxAge time.Duration
	// HSTSIncludeSubdomains adds includeSubDomains to HSTS.
	HSTSIncludeSubdomains bool
}

// SecurityHeaders sets X-Content-Type-Options: nosniff, Referrer-Policy,
// X-Frame-Options: DENY, Content-Security-Policy and, when configured,
// Strict-Transport-Security on every response.
func SecurityHeaders(opts SecurityOptions) Middleware {
	csp := opts.CSP
	if csp == "" {
		csp = APICSP
	}
	referrer := opts.ReferrerPolicy
	if referrer == "" {
		referrer = "no-referrer"
	}
	hsts := ""
	if opts.HSTSMaxAge > 0 {
		hsts = "max-age=" + strconv.FormatInt(int64(opts.HSTSMaxAge/time.Second), 10)
		if opts.HSTSIncludeSubdomains {
			hsts += "; includeSubDomains"
		}
	}
	// The values are made once and shared by every response: a header's values are
	// replaced (Set) or copied (the server's Clone at WriteHeader), never written in place,
	// and a slice of one with no room left makes Add copy it too.
	set := []struct {
		key   string
		value []string
	}{
		{"X-Content-Type-Options", []string{"nosniff"}},
		{"Referrer-Policy", []string{referrer}},
		{"X-Frame-Options", []string{"DENY"}},
		{"Content-Security-Policy", []string{csp}},
	}
	if hsts != "" {
		set = append(set, struct {
			key   string
			value []string
		}{"Strict-Transport-Security", []string{hsts}})
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			for _, kv := range set {
				h[kv.key] = kv.value[:1:1]
			}
			next.ServeHTTP(w, r)
		})
	}
}

// CSP replaces the Content-Security-Policy for the routes it wraps, such as
// the playground: CSP(PlaygroundCSP)(playgroundHandler) inside a
// SecurityHeaders that covers the whole mux.
func CSP(policy string) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", policy)
			next.ServeHTTP(w, r)
		})
	}
}
