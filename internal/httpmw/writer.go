package httpmw

import (
	"bufio"
	"net"
	"net/http"
)

// recorder wraps a ResponseWriter to learn the status and body size. It keeps
// websocket upgrades and streaming working: it is an http.Hijacker and an
// http.Flusher, and Unwrap lets http.ResponseController reach the original.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	hijacked bool
}

// record returns w itself when it already records, so stacked middleware
// (AccessLog, Metrics, Recover) share one wrapper.
func record(w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	return &recorder{ResponseWriter: w}
}

// recordIn is record with the recorder held in st when there is one and it is free.
func recordIn(st *requestState, w http.ResponseWriter) *recorder {
	if rec, ok := w.(*recorder); ok {
		return rec
	}
	if st != nil && st.recInline.ResponseWriter == nil {
		st.recInline.ResponseWriter = w
		return &st.recInline
	}
	return &recorder{ResponseWriter: w}
}

// started reports whether the status line has been sent (or the connection taken).
func (w *recorder) started() bool { return w.status != 0 || w.hijacked }

// Status is the status sent, 200 when the handler wrote nothing.
func (w *recorder) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func (w *recorder) WriteHeader(code int) {
	// 1xx are interim responses; the final status comes later.
	if w.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *recorder) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush implements http.Flusher for SSE and streamed responses.
func (w *recorder) Flush() { _ = w.FlushError() }

// FlushError is what http.ResponseController calls first.
func (w *recorder) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack implements http.Hijacker for websocket upgrades; the upgrader writes
// the 101 on the raw connection, so it is recorded here.
func (w *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
		if w.status == 0 {
			w.status = http.StatusSwitchingProtocols
		}
	}
	return conn, rw, err
}

// Unwrap gives http.ResponseController the wrapped writer.
func (w *recorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }
