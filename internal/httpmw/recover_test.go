package httpmw_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"backbone/internal/httpmw"
)

func TestRecover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		handler  http.HandlerFunc
		status   int
		wantCode string // "" when the handler's own response stands
	}{
		{
			name:     "a panic becomes a 500 INTERNAL",
			handler:  func(w http.ResponseWriter, r *http.Request) { panic("boom") },
			status:   http.StatusInternalServerError,
			wantCode: "INTERNAL",
		},
		{
			name:     "a panic with an error value becomes a 500 INTERNAL",
			handler:  func(w http.ResponseWriter, r *http.Request) { panic(errors.New("db gone")) },
			status:   http.StatusInternalServerError,
			wantCode: "INTERNAL",
		},
		{
			name: "a panic after the response started keeps that response",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusAccepted)
				panic("late")
			},
			status: http.StatusAccepted,
		},
		{
			name:    "no panic passes through",
			handler: okHandler,
			status:  http.StatusOK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, buf := newLogger()
			h := httpmw.Chain(httpmw.RequestID, httpmw.AccessLog(log), httpmw.Recover(log))(tt.handler)
			w := serve(h, httptest.NewRequest(http.MethodGet, "/graphql", nil))
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.wantCode != "" {
				if got := errorCode(t, w.Body.Bytes()); got != tt.wantCode {
					t.Fatalf("code = %q, want %q", got, tt.wantCode)
				}
				if strings.Contains(w.Body.String(), "boom") || strings.Contains(w.Body.String(), "db gone") {
					t.Fatalf("panic value leaked to the client: %s", w.Body)
				}
			}
			lines := buf.lines(t)
			panicked := tt.status != http.StatusOK
			var found bool
			for _, l := range lines {
				if l["msg"] == "panic serving request" {
					found = true
					if l["request_id"] != w.Header().Get(httpmw.HeaderRequestID) {
						t.Errorf("panic log request_id = %v", l["request_id"])
					}
					if s, _ := l["stack"].(string); !strings.Contains(s, "recover_test.go") {
						t.Errorf("panic log has no useful stack")
					}
				}
			}
			if found != panicked {
				t.Fatalf("panic logged = %v, want %v", found, panicked)
			}
			// The access log still sees the final status.
			last := lines[len(lines)-1]
			if last["status"] != float64(tt.status) {
				t.Fatalf("access log status = %v, want %d", last["status"], tt.status)
			}
		})
	}
}

func TestRecoverReraisesAbortHandler(t *testing.T) {
	t.Parallel()
	log, _ := newLogger()
	h := httpmw.Recover(log)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler)
	}))
	defer func() {
		if v := recover(); v != http.ErrAbortHandler {
			t.Fatalf("recovered %v, want http.ErrAbortHandler re-raised", v)
		}
	}()
	serve(h, httptest.NewRequest(http.MethodGet, "/", nil))
}
