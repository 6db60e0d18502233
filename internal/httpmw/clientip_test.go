package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"backbone/internal/httpmw"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies, err := httpmw.ParseProxies([]string{"10.0.0.0/8", "192.0.2.1", "fd00::/8"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		trusted bool
		remote  string
		xff     []string
		want    string
	}{
		{"a direct caller", true, "198.51.100.1:1234", nil, "198.51.100.1"},
		{"XFF from an untrusted peer is ignored", true, "198.51.100.1:1234", []string{"1.2.3.4"}, "198.51.100.1"},
		{"XFF from a trusted proxy", true, "10.0.0.2:1234", []string{"203.0.113.5"}, "203.0.113.5"},
		{"trusted hops are skipped from the right", true, "10.0.0.2:1234", []string{"203.0.113.5, 10.9.9.9, 192.0.2.1"}, "203.0.113.5"},
		{"a spoofed left part is not believed", true, "10.0.0.2:1234", []string{"6.6.6.6, 203.0.113.5"}, "203.0.113.5"},
		{"several XFF headers join in order", true, "10.0.0.2:1234", []string{"6.6.6.6", "203.0.113.5"}, "203.0.113.5"},
		{"garbage stops at the last good hop", true, "10.0.0.2:1234", []string{"203.0.113.5, not-an-ip, 10.1.1.1"}, "10.1.1.1"},
		{"only trusted hops gives the leftmost", true, "10.0.0.2:1234", []string{"10.3.3.3, 10.4.4.4"}, "10.3.3.3"},
		{"no XFF behind a proxy gives the proxy", true, "10.0.0.2:1234", nil, "10.0.0.2"},
		{"IPv6 peer and client", true, "[fd00::1]:443", []string{"2001:db8::7"}, "2001:db8::7"},
		{"an IPv4-mapped peer is unmapped", true, "[::ffff:10.0.0.2]:443", []string{"203.0.113.5"}, "203.0.113.5"},
		{"a port in XFF is tolerated", true, "10.0.0.2:1234", []string{"203.0.113.5:8080"}, "203.0.113.5"},
		{"no trusted proxies ignores XFF", false, "10.0.0.2:1234", []string{"203.0.113.5"}, "10.0.0.2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			trusted := proxies
			if !tt.trusted {
				trusted = nil
			}
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := httpmw.ClientIP(r, trusted); got != tt.want {
				t.Fatalf("ClientIP = %q, want %q", got, tt.want)
			}
			var stored string
			h := httpmw.ClientIPContext(trusted)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				stored = httpmw.ClientIPFrom(r.Context())
			}))
			serve(h, r)
			if stored != tt.want {
				t.Fatalf("ClientIPFrom = %q, want %q", stored, tt.want)
			}
		})
	}
}

func TestParseProxiesRejectsGarbage(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"10.0.0.0/33", "not-an-ip", "10.0.0/8"} {
		if _, err := httpmw.ParseProxies([]string{in}); err == nil {
			t.Errorf("ParseProxies(%q) accepted it", in)
		}
	}
}
