package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/internal/testenv"
)

// roleChangedClose is the close reason of a connection opened with an API key whose
// owner's role changed.
const roleChangedClose = "the API key's owner changed role; connect again"

// wsCodes runs query over the socket and returns the error codes of its result (none: it
// was answered).
func wsCodes(t *testing.T, conn *websocket.Conn, query string) []string {
	t.Helper()
	mustWriteJSON(t, conn, map[string]any{"id": "q", "type": "subscribe", "payload": map[string]any{"query": query}})
	msg, err := wsRead(conn, 10*time.Second)
	if err != nil {
		t.Fatalf("query over the socket: %v", err)
	}
	payload, _ := msg["payload"].(map[string]any)
	errList, _ := payload["errors"].([]any)
	if msg["type"] == "error" {
		errList, _ = msg["payload"].([]any)
	}
	var codes []string
	for _, e := range errList {
		ext, _ := e.(map[string]any)["extensions"].(map[string]any)
		code, _ := ext["code"].(string)
		codes = append(codes, code)
	}
	if msg["type"] == "next" {
		if done, err := wsRead(conn, 10*time.Second); err != nil || done["type"] != "complete" {
			t.Fatalf("after next: %v %v", done, err)
		}
	}
	return codes
}

// sseEndedWith reads a stream to its end and returns the codes and reasons of the
// errors of its last event before complete.
func sseEndedWith(t *testing.T, s *sseStream) (code, reason string) {
	t.Helper()
	var last string
	for {
		kind, data := s.event(t) // fails the test if the stream stays open (20 s)
		if kind == "complete" {
			break
		}
		last = data
	}
	var ev struct {
		Errors []struct {
			Extensions struct{ Code, Reason string }
		}
	}
	if err := json.Unmarshal([]byte(last), &ev); err != nil || len(ev.Errors) == 0 {
		return "", ""
	}
	return ev.Errors[0].Extensions.Code, ev.Errors[0].Extensions.Reason
}

// An API key acts with its owner's role, read when a connection is authenticated. When
// an admin changes the owner's role (on another instance), the sockets and event streams
// opened with the key end as the owner's sessions do (4403), rather than going on with
// the old role; the key still works, with the new role, on a new connection. A
// suspension ends them too: it revokes the keys.
func TestAPIKeyConnectionsEndWhenTheOwnersRoleChanges(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	env["REDIS_URL"] = testenv.NeedRedis(t)
	onA := newAPI(startServer(t, env))
	onB := onA.on(startServer(t, env))
	boss := onB.makeAdmin(t, env["DATABASE_URL"], onB.register(t, uniqueEmail("boss")).User.Email)
	ownerEmail := uniqueEmail("demoted")
	onA.register(t, ownerEmail)
	owner := onA.makeAdmin(t, env["DATABASE_URL"], ownerEmail)
	key := onA.createKey(t, owner, "ops", "READ")
	const adminQuery = `{ users(first: 1) { totalCount } }`

	conn, msg, err := wsDialWith(t, onA.ts, nil, map[string]any{"X-API-Key": key.Secret})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("socket with the key: %v %v, want connection_ack", msg, err)
	}
	if codes := wsCodes(t, conn, adminQuery); len(codes) > 0 {
		t.Fatalf("an admin's key on a socket: users refused with %v", codes)
	}
	stream, res := sseOpen(t, &azWorld{ts: onA.ts}, "key:"+key.Secret, `subscription { platformStats { queueDepth } }`, nil)
	if stream == nil {
		t.Fatalf("an admin's key on an event stream: status %d", res.StatusCode)
	}
	if kind, data := stream.event(t); kind != "next" || !json.Valid([]byte(data)) {
		t.Fatalf("first platformStats event: %s %s", kind, data)
	}

	onB.ok(t, bearer(boss.AccessToken), setRoleMutation, map[string]any{"id": owner.User.ID, "role": "CLIENT"}, nil)
	if ce := wsClosed(t, conn, 10*time.Second); ce.Code != 4403 || ce.Text != roleChangedClose {
		t.Errorf("socket of the demoted owner's key: close %d %q, want 4403 %q", ce.Code, ce.Text, roleChangedClose)
	}
	if code, reason := sseEndedWith(t, stream); code != "UNAUTHENTICATED" || reason != "revoked" {
		t.Errorf("event stream of the demoted owner's key ended with %q %q, want UNAUTHENTICATED revoked", code, reason)
	}

	again, msg, err := wsDialWith(t, onA.ts, nil, map[string]any{"X-API-Key": key.Secret})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("the key after the role change: %v %v, want connection_ack", msg, err)
	}
	if codes := wsCodes(t, again, adminQuery); len(codes) != 1 || codes[0] != "FORBIDDEN" {
		t.Errorf("the demoted owner's key on a new socket: users answered with %v, want FORBIDDEN", codes)
	}

	onB.ok(t, bearer(boss.AccessToken), suspendMutation, map[string]any{"id": owner.User.ID}, nil)
	if ce := wsClosed(t, again, 10*time.Second); ce.Code != 4403 || ce.Text != "API key revoked" {
		t.Errorf("socket of the suspended owner's key: close %d %q, want 4403 API key revoked", ce.Code, ce.Text)
	}
}
