package httpmw_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/httpmw"
)

func TestRequestID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		incoming string
		keep     bool
	}{
		{"makes one when absent", "", false},
		{"keeps a sane incoming id", "abc-123_DEF.4:5", true},
		{"keeps a uuid", "0190a6f5-7c2e-7d3a-9a3b-4f1f2e3d4c5b", true},
		{"replaces one with spaces", "abc 123", false},
		{"replaces one with a newline", "abc\nlevel=error", false},
		{"replaces one with quotes", `a"b`, false},
		{"replaces an overlong one", strings.Repeat("a", 129), false},
		{"keeps one at the length bound", strings.Repeat("a", 128), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var seen string
			h := httpmw.RequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				seen = httpmw.RequestIDFrom(r.Context())
			}))
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			if tt.incoming != "" {
				r.Header.Set(httpmw.HeaderRequestID, tt.incoming)
			}
			w := serve(h, r)
			got := w.Header().Get(httpmw.HeaderRequestID)
			if got != seen {
				t.Fatalf("header %q, context %q: want the same id", got, seen)
			}
			if tt.keep {
				if got != tt.incoming {
					t.Fatalf("id = %q, want the incoming %q", got, tt.incoming)
				}
				return
			}
			id, err := uuid.Parse(got)
			if err != nil || id.Version() != 7 {
				t.Fatalf("id = %q, want a fresh UUIDv7", got)
			}
		})
	}
}

func TestRequestIDFromEmptyContext(t *testing.T) {
	t.Parallel()
	if got := httpmw.RequestIDFrom(t.Context()); got != "" {
		t.Fatalf("RequestIDFrom(empty) = %q", got)
	}
}
