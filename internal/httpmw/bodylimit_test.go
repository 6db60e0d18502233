package httpmw_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"backbone/internal/httpmw"
)

// readAll reads the body and answers 400 on a read error, as a careless handler would.
var readAll = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if !errors.As(err, &mbe) {
			panic("want *http.MaxBytesError, got " + err.Error())
		}
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	_, _ = w.Write(b)
})

// readSilently swallows the read error and answers nothing.
var readSilently = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.ReadAll(r.Body)
})

func TestBodyLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		chunked bool // no Content-Length: the limit is met while reading
		handler http.Handler
		status  int
	}{
		{"a body under the limit passes", "0123456789", false, readAll, http.StatusOK},
		{"a body at the limit passes", strings.Repeat("a", 16), false, readAll, http.StatusOK},
		{"a declared length over the limit is refused", strings.Repeat("a", 17), false, readAll, http.StatusRequestEntityTooLarge},
		{"a streamed body over the limit is refused", strings.Repeat("a", 100), true, readAll, http.StatusRequestEntityTooLarge},
		{"a streamed body over the limit is refused when the handler is silent", strings.Repeat("a", 100), true, readSilently, http.StatusRequestEntityTooLarge},
		{"a streamed body under the limit passes", "small", true, readAll, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length from NewRequest
			}
			r := httptest.NewRequest(http.MethodPost, "/graphql", body)
			if tt.chunked {
				r.ContentLength = -1
			}
			w := serve(httpmw.BodyLimit(16)(tt.handler), r)
			if w.Code != tt.status {
				t.Fatalf("status = %d, want %d (body %q)", w.Code, tt.status, w.Body)
			}
			if tt.status == http.StatusRequestEntityTooLarge {
				if got := errorCode(t, w.Body.Bytes()); got != "PAYLOAD_TOO_LARGE" {
					t.Fatalf("code = %q, want PAYLOAD_TOO_LARGE", got)
				}
				return
			}
			if w.Body.String() != tt.body {
				t.Fatalf("handler saw %q, want %q", w.Body, tt.body)
			}
		})
	}
}
