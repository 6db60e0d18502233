package httpmw

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"backbone/internal/errs"
)

// Recover turns a panic into a 500 {"errors":[{"message":"internal error",
// "extensions":{"code":"INTERNAL"}}]} and logs it with the stack and request
// id. If the response had already started, the log line is all it can do.
// http.ErrAbortHandler is re-raised: it is net/http's way to abort a response
// and the server handles it without crashing.
func Recover(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := record(w)
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
					panic(v)
				}
				log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
					slog.String("panic", fmt.Sprint(v)),
					slog.String("stack", string(debug.Stack())),
					slog.String("request_id", RequestIDFrom(r.Context())),
					slog.String("method", r.Method),
					slog.String("path", r.URL.Path),
				)
				if !rec.started() {
					WriteError(rec, errs.Internal, "internal error")
				}
			}()
			next.ServeHTTP(rec, r)
		})
	}
}
