package main

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/internal/testenv"
)

// wsDialWith opens a graphql-transport-ws socket with the upgrade headers h, sends
// connection_init with payload (nil: none) and returns the first message or the error
// that ended the socket.
func wsDialWith(t *testing.T, ts *testServer, h http.Header, payload map[string]any) (*websocket.Conn, map[string]any, error) {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/query", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	init := map[string]any{"type": "connection_init"}
	if payload != nil {
		init["payload"] = payload
	}
	mustWriteJSON(t, conn, init)
	msg, err := wsRead(conn, 10*time.Second)
	return conn, msg, err
}

// API keys work on websockets as on HTTP (in the connection_init payload or the upgrade
// request's header), and a socket or event stream opened with a key ends when the key
// is revoked, on whichever instance, or expires.
func TestAPIKeysOnLiveConnections(t *testing.T) {
	t.Parallel()
	env := authEnv(t)
	env["REDIS_URL"] = testenv.NeedRedis(t)
	onA := newAPI(startServer(t, env))
	onB := onA.on(startServer(t, env))
	email := uniqueEmail("keyed")
	owner := onA.register(t, email)
	key := onA.createKey(t, owner, "dashboard", "READ")

	byPayload, msg, err := wsDialWith(t, onA.ts, nil, map[string]any{"x-api-key": key.Secret}) // header names are case-insensitive
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("key in the payload: %v %v, want connection_ack", msg, err)
	}
	byHeader, msg, err := wsDialWith(t, onA.ts, http.Header{"X-Api-Key": {key.Secret}}, nil)
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("key in the upgrade header: %v %v, want connection_ack", msg, err)
	}
	for name, conn := range map[string]*websocket.Conn{"payload": byPayload, "header": byHeader} {
		if got, codes := wsMe(t, conn); got != email || len(codes) > 0 {
			t.Fatalf("me over the socket with the key in the %s = %q %v, want %s", name, got, codes, email)
		}
	}
	_, msg, err = wsDialWith(t, onA.ts, nil, map[string]any{"X-API-Key": key.Secret + "x"})
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4403 || ce.Text != "invalid API key" {
		t.Fatalf("a wrong key: %v %v, want close 4403 invalid API key", msg, err)
	}

	w := &azWorld{ts: onA.ts}
	stream, res := sseOpen(t, w, "key:"+key.Secret, `subscription { notificationAdded { kind } }`, nil)
	if stream == nil {
		t.Fatalf("event stream with the key: status %d", res.StatusCode)
	}
	withToken := wsAuthed(t, onA.ts, owner.AccessToken)

	// Revoked through instance B: what A holds with the key ends, the token's socket stays.
	onB.ok(t, bearer(owner.AccessToken), revokeKeyMutation, map[string]any{"id": key.APIKey.ID}, nil)
	for name, conn := range map[string]*websocket.Conn{"payload": byPayload, "header": byHeader} {
		if ce := wsClosed(t, conn, 5*time.Second); ce.Code != 4403 || ce.Text != "API key revoked" {
			t.Errorf("socket with the key in the %s: close %d %q, want 4403 API key revoked", name, ce.Code, ce.Text)
		}
	}
	for {
		if kind, _ := stream.event(t); kind == "complete" { // fails the test if it stays open (20 s)
			break
		}
	}
	if got, _ := wsMe(t, withToken); got != email {
		t.Errorf("the owner's token socket after the key was revoked: me = %q", got)
	}

	expiring := onA.createKeyExpiring(t, owner, time.Now().Add(2*time.Second))
	conn, msg, err := wsDialWith(t, onA.ts, nil, map[string]any{"X-API-Key": expiring.Secret})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("expiring key: %v %v, want connection_ack", msg, err)
	}
	if ce := wsClosed(t, conn, 10*time.Second); ce.Code != 4401 || ce.Text != "API key expired" {
		t.Errorf("socket of an expiring key: close %d %q, want 4401 API key expired", ce.Code, ce.Text)
	}
}

// createKeyExpiring makes a READ key for the session's user that expires at at.
func (a *api) createKeyExpiring(t *testing.T, s tokens, at time.Time) apiKey {
	t.Helper()
	var out struct{ CreateAPIKey apiKey }
	a.ok(t, bearer(s.AccessToken), createKeyMutation, map[string]any{"in": map[string]any{
		"name": "expiring", "scopes": []string{"READ"}, "expiresAt": at.UTC().Format(time.RFC3339Nano)}}, &out)
	return out.CreateAPIKey
}
