package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"backbone/internal/httpmw"
)

func TestAccessLog(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		target    string
		handler   http.HandlerFunc
		status    float64
		bytes     float64
		level     string
		queryKeys string
	}{
		{
			name:   "logs a plain 200",
			target: "/graphql",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte("hello"))
			},
			status: 200, bytes: 5, level: "INFO",
		},
		{
			name:   "logs the status the handler chose",
			target: "/missing",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "nope", http.StatusNotFound)
			},
			status: 404, bytes: 5, level: "INFO",
		},
		{
			name:   "logs a server error at error level",
			target: "/boom",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadGateway)
			},
			status: 502, bytes: 0, level: "ERROR",
		},
		{
			name:    "keeps query keys and drops their values",
			target:  "/graphql?token=s3cret&query=abc",
			handler: func(w http.ResponseWriter, r *http.Request) {},
			status:  200, bytes: 0, level: "INFO", queryKeys: "query,token",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := newLogger()
			h := httpmw.Chain(httpmw.RequestID, httpmw.AccessLog(log))(tt.handler)
			r := httptest.NewRequest(http.MethodPost, tt.target, nil)
			r.RemoteAddr = "203.0.113.7:5555"
			r.Header.Set("User-Agent", "probe/1.0")
			w := serve(h, r)

			lines := buf.lines(t)
			if len(lines) != 1 {
				t.Fatalf("got %d log lines, want 1", len(lines))
			}
			l := lines[0]
			want := map[string]any{
				"level": tt.level, "method": "POST", "path": strings.SplitN(tt.target, "?", 2)[0],
				"status": tt.status, "bytes": tt.bytes, "remote_ip": "203.0.113.7",
				"user_agent": "probe/1.0", "request_id": w.Header().Get(httpmw.HeaderRequestID),
			}
			for k, v := range want {
				if l[k] != v {
					t.Errorf("%s = %v, want %v", k, l[k], v)
				}
			}
			if _, ok := l["duration_ms"].(float64); !ok {
				t.Errorf("duration_ms missing: %v", l)
			}
			if got, _ := l["query_keys"].(string); got != tt.queryKeys {
				t.Errorf("query_keys = %q, want %q", got, tt.queryKeys)
			}
			if strings.Contains(buf.buf.String(), "s3cret") {
				t.Errorf("a query value reached the log")
			}
		})
	}
}

func TestAccessLogUsesStoredClientIP(t *testing.T) {
	t.Parallel()
	log, buf := newLogger()
	proxies, err := httpmw.ParseProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	h := httpmw.Chain(httpmw.ClientIPContext(proxies), httpmw.AccessLog(log))(okHandler)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "10.1.2.3:443"
	r.Header.Set("X-Forwarded-For", "198.51.100.9")
	serve(h, r)
	if got := buf.lines(t)[0]["remote_ip"]; got != "198.51.100.9" {
		t.Fatalf("remote_ip = %v, want the forwarded client", got)
	}
}
