package httpmw_test

import (
	"testing"

	"backbone/internal/httpmw"
)

// Origins that rs/cors and the websocket check can match are accepted; entries that never
// match a browser's Origin are refused.
func TestCheckOrigin(t *testing.T) {
	t.Parallel()
	for _, o := range []string{"*", "https://app.example.com", "https://*.example.com", "http://localhost:*",
		"http://127.0.0.1:3000", "http://[::1]:3000", "capacitor://localhost", "https://*"} {
		if err := httpmw.CheckOrigin(o); err != nil {
			t.Errorf("%q refused: %v", o, err)
		}
	}
	for _, o := range []string{"https://*.*.example.com", "not a url", "app.example.com", "localhost:3000",
		"https://app.example.com/", "https://app.example.com/path", "https://user@app.example.com",
		"https://app.example.com?x=1", "*://app.example.com", "https://", "**"} {
		if err := httpmw.CheckOrigin(o); err == nil {
			t.Errorf("%q accepted", o)
		}
	}
}

// A wildcard admits any site unless it stands for a port, or for the subdomains of a named
// domain that is not itself a public suffix (co.uk, github.io).
func TestOriginAdmitsAnySite(t *testing.T) {
	t.Parallel()
	for o, want := range map[string]bool{
		"*": true, "https://*": true, "http://*": true, "https://*:8443": true, "https://*example.com": true,
		"https://app.*": true, "https://*.com": true, "https://*.co.uk": true, "https://*.github.io": true, "https://*.vercel.app": true,
		"https://*.example.co.uk": false,
		"https://*.example.com":   false, "https://*.example.com:8443": false, "https://app-*.example.com": false,
		"https://app.example.com:*": false, "http://[::1]:*": false, "https://app.example.com": false,
	} {
		if got := httpmw.OriginAdmitsAnySite(o); got != want {
			t.Errorf("OriginAdmitsAnySite(%q) = %t, want %t", o, got, want)
		}
	}
}

// Host entries TrustedHosts can match are accepted; entries no Host header fits are refused.
func TestCheckHostPattern(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"api.example.com", "API.Example.com", "*.apps.example.com", "localhost:8080",
		"[::1]:8080", "::1", "10.0.0.5", "my_host.internal"} {
		if err := httpmw.CheckHostPattern(h); err != nil {
			t.Errorf("%q refused: %v", h, err)
		}
	}
	for _, h := range []string{"bad host", "**", "*", "*.*.example.com", "https://api.example.com", "api.example.com.",
		"api.example.com:http", "api.example.com:70000", "*.10.0.0.5", "app*.example.com"} {
		if err := httpmw.CheckHostPattern(h); err == nil {
			t.Errorf("%q accepted", h)
		}
	}
}
