package httpmw

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"

	"backbone/internal/errs"
)

// BodyLimit caps request bodies at n bytes. A declared Content-Length over n
// is refused at once with 413 and code PAYLOAD_TOO_LARGE. A streamed body is cut
// by http.MaxBytesReader: the handler's Read gets *http.MaxBytesError, and
// whatever the handler then answers is replaced by the same 413.
func BodyLimit(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > n {
				tooLarge(w, n)
				return
			}
			if r.Body == nil || r.Body == http.NoBody {
				next.ServeHTTP(w, r)
				return
			}
			lw := &limitWriter{ResponseWriter: w, limit: n}
			r.Body = &limitBody{ReadCloser: http.MaxBytesReader(w, r.Body, n), hit: &lw.hit}
			next.ServeHTTP(lw, r)
			lw.takeOver() // a handler that wrote nothing still answers 413
		})
	}
}

// tooLarge answers as the GraphQL transport answers a body over its own limit.
func tooLarge(w http.ResponseWriter, limit int64) {
	writeError(w, http.StatusRequestEntityTooLarge, errs.PayloadTooLarge,
		"request body is larger than "+strconv.FormatInt(limit, 10)+" bytes")
}

// limitBody notes when the reader hit the limit.
type limitBody struct {
	io.ReadCloser
	hit *atomic.Bool
}

func (b *limitBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	var mbe *http.MaxBytesError
	if err != nil && err != io.EOF && errors.As(err, &mbe) { // the end of every body needs no reflection
		b.hit.Store(true)
	}
	return n, err
}

// limitWriter answers 413 instead of the handler once the limit was hit.
type limitWriter struct {
	http.ResponseWriter
	limit    int64
	hit      atomic.Bool // set by the body, possibly from another goroutine
	started  bool        // the handler's response began before the limit was hit
	replaced bool
}

// takeOver writes the 413 once; it reports whether the handler's output must
// be dropped.
func (w *limitWriter) takeOver() bool {
	if !w.hit.Load() || w.started {
		return false
	}
	if !w.replaced {
		w.replaced = true
		tooLarge(w.ResponseWriter, w.limit)
	}
	return true
}

func (w *limitWriter) WriteHeader(code int) {
	if !w.takeOver() {
		w.started = true
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if w.takeOver() {
		return len(p), nil
	}
	w.started = true
	return w.ResponseWriter.Write(p)
}

// Flush implements http.Flusher.
func (w *limitWriter) Flush() {
	if !w.takeOver() {
		w.started = true
		_ = http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Hijack implements http.Hijacker.
func (w *limitWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the wrapped writer.
func (w *limitWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
