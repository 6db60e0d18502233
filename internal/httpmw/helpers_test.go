package httpmw_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuf collects JSON log lines; the server writes from its own goroutines.
type logBuf struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns every log record decoded.
func (b *logBuf) lines(tb testing.TB) []map[string]any {
	tb.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			tb.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// waitLines waits for at least n records: some are written after a hijacked
// connection closes, on the server's goroutine.
func (b *logBuf) waitLines(tb testing.TB, n int) []map[string]any {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines := b.lines(tb)
		if len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func newLogger() (*slog.Logger, *logBuf) {
	b := &logBuf{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// errorCode decodes a GraphQL-shaped error body and returns extensions.code.
func errorCode(tb testing.TB, body []byte) string {
	tb.Helper()
	var e struct {
		Errors []struct {
			Message    string         `json:"message"`
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		tb.Fatalf("error body %q: %v", body, err)
	}
	if len(e.Errors) != 1 {
		tb.Fatalf("error body %q: want one error", body)
	}
	code, _ := e.Errors[0].Extensions["code"].(string)
	return code
}

// serve runs h on one request and returns the recorded response.
func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"ok":true}`))
})

// logBufLogger is a logger with the buffer it writes to.
type logBufLogger struct {
	*slog.Logger
	buf *logBuf
}

func newLogBufLogger() *logBufLogger {
	l, b := newLogger()
	return &logBufLogger{Logger: l, buf: b}
}
