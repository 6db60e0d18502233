package httpmw

import (
	"context"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"time"
)

// AccessLog writes one structured line per request: method, path, query keys
// (never values: they may hold tokens), status, bytes, duration, request id,
// remote IP and user agent. 5xx responses are logged at error level.
// A websocket upgrade is logged with status 101 when the connection closes.
func AccessLog(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			st := stateOf(r.Context())
			rec := recordIn(st, w)
			var notes *logNotes
			if st != nil {
				notes = &st.notesInline
				st.notes = notes
				next.ServeHTTP(rec, r)
			} else {
				notes = &logNotes{}
				next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), logNotesKey{}, notes)))
			}

			status := rec.Status()
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			h := log.Handler()
			if !h.Enabled(r.Context(), level) {
				return
			}
			// The record is made here rather than by log.LogAttrs, which would also take
			// the caller's program counter (runtime.Callers) for a source the handlers
			// are not set to write: the same line, for less CPU.
			line := slog.NewRecord(time.Now(), level, "http request", 0)
			line.AddAttrs(
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", rec.bytes),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000),
				slog.String("request_id", RequestIDFrom(r.Context())),
				slog.String("remote_ip", remoteIP(r)),
				slog.String("user_agent", r.UserAgent()),
			)
			if keys := queryKeys(r); keys != "" {
				line.AddAttrs(slog.String("query_keys", keys))
			}
			line.AddAttrs(notes.list()...)
			_ = h.Handle(r.Context(), line)
		})
	}
}

// queryKeys lists the query parameter names, sorted, without their values.
func queryKeys(r *http.Request) string {
	if r.URL.RawQuery == "" {
		return ""
	}
	q := r.URL.Query()
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}
