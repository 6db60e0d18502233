package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// Issue 11 (item 11): a client closing its notificationAdded stream, over a websocket or
// server-sent events, logged "context canceled" at ERROR (the reads of the event being
// resolved are cancelled). A client's close is not a fault: no ERROR line.
func TestClosingANotificationStreamLogsNoError(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"WS_MAX_CONNECTIONS_PER_USER": "0", "WS_MAX_CONNECTIONS_PER_IP": "0"})
	client := w.callers[azClient]
	q := azUUID(t, w.qfSubmit(t, client).ID)
	// A long replay, each notification resolving its question: the stream is busy reading
	// the database when the client leaves.
	before := uuid.Must(uuid.NewV7())
	for range 300 {
		w.db.Notification.Create().SetUserID(client.UUID).SetKind("QUESTION_UPDATED").
			SetPayload(map[string]any{"questionId": q.String()}).
			SetDedupKey("close:" + uuid.NewString()).SaveX(w.system())
	}
	const query = `subscription($after: Cursor) { notificationAdded(after: $after) { kind question { id title status } } }`
	vars := map[string]any{"after": nfCursor(t, before)}
	for range 10 {
		s, res := sseOpen(t, w, client.Token, query, vars)
		if s == nil {
			t.Fatalf("event stream: status %d", res.StatusCode)
		}
		if kind, _ := s.event(t); kind != "next" {
			t.Fatalf("event stream: %s, want next", kind)
		}
		s.res.Body.Close()

		conn := wsAuthed(t, w.ts, client.Token)
		mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe", "payload": map[string]any{"query": query, "variables": vars}})
		if m, err := wsRead(conn, 15*time.Second); err != nil || m["type"] != "next" {
			t.Fatalf("websocket: %v %v, want next", m, err)
		}
		conn.Close()
	}
	waitFor(t, 30*time.Second, "every stream to end", func() bool {
		return mpGauge(t, w.ts, "websocket_connections") == 0 && mpGauge(t, w.ts, "http_requests_in_flight") == 1 // this scrape
	})
	for _, line := range strings.Split(w.ts.logs.String(), "\n") {
		if strings.Contains(line, "level=ERROR") {
			t.Errorf("logged: %s", line)
		}
	}
}
