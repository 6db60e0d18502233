package main

import (
	"bytes"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/gorilla/websocket"

	"backbone/ent"
	"backbone/graph/cursor"
)

// Helpers of the notification tests: subscriptions over graphql-transport-ws.

// nfNotification is a Notification as the tests read it.
type nfNotification struct {
	ID, Kind, Cursor string
	Payload          map[string]any
	ReadAt           *string
}

const nfSubscription = `subscription($after: Cursor) { notificationAdded(after: $after) { id kind payload cursor readAt } }`

// nfCursor is the cursor of a notification id, as notificationAdded(after:) takes it.
func nfCursor(t *testing.T, id uuid.UUID) string {
	t.Helper()
	var b bytes.Buffer
	cursor.Write(&b, "Query.notifications", ent.Cursor{ID: id})
	s, err := strconv.Unquote(b.String())
	if err != nil {
		t.Fatalf("cursor %s: %v", b.String(), err)
	}
	return s
}

// nfSubscribe opens a socket as tok and subscribes to notificationAdded after cursor.
func nfSubscribe(t *testing.T, w *azWorld, tok, cursor string) *websocket.Conn {
	t.Helper()
	conn := wsAuthed(t, w.ts, tok)
	mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": nfSubscription, "variables": map[string]any{"after": cursor}}})
	return conn
}

// nfNext reads the next notification of the subscription, or fails.
func nfNext(t *testing.T, conn *websocket.Conn) nfNotification {
	t.Helper()
	m, err := wsRead(conn, 15*time.Second)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if m["type"] != "next" {
		t.Fatalf("want next, got %v", m)
	}
	raw, _ := json.Marshal(m["payload"])
	var r struct {
		Data struct{ NotificationAdded nfNotification }
	}
	if err := json.Unmarshal(raw, &r); err != nil || r.Data.NotificationAdded.ID == "" {
		t.Fatalf("payload %s: %v", raw, err)
	}
	return r.Data.NotificationAdded
}

// nfUntil reads notifications until one satisfies ok, and returns all read.
func nfUntil(t *testing.T, conn *websocket.Conn, ok func(nfNotification) bool) []nfNotification {
	t.Helper()
	var got []nfNotification
	for {
		n := nfNext(t, conn)
		got = append(got, n)
		if ok(n) {
			return got
		}
	}
}

// nfList reads the viewer's notifications over HTTP, newest first.
func (w *azWorld) nfList(t *testing.T, tok string, unreadOnly bool) (total int, nodes []nfNotification) {
	t.Helper()
	var out struct {
		Notifications struct {
			TotalCount int
			Edges      []struct{ Node nfNotification }
		}
	}
	w.mustGQL(t, tok, `query($u: Boolean) { notifications(first: 100, unreadOnly: $u) { totalCount edges { node { id kind payload cursor readAt } } } }`,
		map[string]any{"u": unreadOnly}, &out)
	for _, e := range out.Notifications.Edges {
		nodes = append(nodes, e.Node)
	}
	return out.Notifications.TotalCount, nodes
}
