package httpmw

import (
	"context"
	"log/slog"
	"sync"
)

// logNotes are attributes that inner layers add to the request's access log line: the
// GraphQL operation's name and type and the error codes it answered with, which only the
// GraphQL layer knows.
type logNotes struct {
	mu    sync.Mutex
	attrs []slog.Attr
}

type logNotesKey struct{}

// NoteForAccessLog adds attrs to the access log line of the request ctx belongs to. A
// later attribute with the same key replaces an earlier one. Outside an AccessLog'd
// request (a websocket operation after the upgrade, a job) it does nothing.
func NoteForAccessLog(ctx context.Context, attrs ...slog.Attr) {
	n, _ := ctx.Value(logNotesKey{}).(*logNotes)
	if n == nil {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, a := range attrs {
		replaced := false
		for i := range n.attrs {
			if n.attrs[i].Key == a.Key {
				n.attrs[i], replaced = a, true
			}
		}
		if !replaced {
			n.attrs = append(n.attrs, a)
		}
	}
}

func (n *logNotes) list() []slog.Attr {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.attrs
}
