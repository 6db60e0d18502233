package main

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsFrom opens a socket from ip (X-Forwarded-For through the trusted loopback proxy) and
// sends nothing: the first step of a flood of sockets.
func wsFrom(t *testing.T, ts *testServer, ip string) *websocket.Conn {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/query", http.Header{"X-Forwarded-For": {ip}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// wsRefused initialises a socket from ip with authorization ("" none) and returns the
// close frame that ends it, failing the test when it is acknowledged.
func wsRefused(t *testing.T, ts *testServer, ip, authorization string) *websocket.CloseError {
	t.Helper()
	var payload map[string]any
	if authorization != "" {
		payload = map[string]any{"Authorization": authorization}
	}
	_, msg, err := wsDialWith(t, ts, http.Header{"X-Forwarded-For": {ip}}, payload)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		t.Fatalf("socket from %s: got %v %v, want it closed", ip, msg, err)
	}
	return ce
}

// wsAckedFrom initialises a socket from ip with a token and requires connection_ack.
func wsAckedFrom(t *testing.T, ts *testServer, ip, token string) *websocket.Conn {
	t.Helper()
	conn, msg, err := wsDialWith(t, ts, http.Header{"X-Forwarded-For": {ip}}, map[string]any{"Authorization": bearer(token)})
	if err != nil || msg["type"] != "connection_ack" {
		t.Fatalf("socket from %s: got %v %v, want connection_ack", ip, msg, err)
	}
	return conn
}

// The flood of issue 11 (item 3): anonymous sockets, acknowledged and held until the
// process ran out of file descriptors. Sockets count from their upgrade, per address,
// and the not yet signed in have a smaller budget; event streams count with them.
func TestConnectionsPerAddressAreLimited(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"WS_MAX_CONNECTIONS_PER_IP": "3", "WS_MAX_ANONYMOUS_PER_IP": "2"})
	client := w.callers[azClient]
	const attacker = "10.9.0.1" // sseOpen's address

	wsFrom(t, w.ts, attacker)
	wsFrom(t, w.ts, attacker)
	if ce := wsRefused(t, w.ts, attacker, ""); ce.Code != 4429 || !strings.Contains(ce.Text, "without signing in (limit 2)") {
		t.Errorf("third anonymous socket from one address: %d %q, want 4429 naming the limit", ce.Code, ce.Text)
	}
	wsAckedFrom(t, w.ts, "10.9.0.2", client.Token)

	// The address's third connection, an event stream, is admitted; a fourth of any kind is not.
	if s, res := sseOpen(t, w, client.Token, `subscription { notificationAdded { kind } }`, nil); s == nil {
		t.Fatalf("event stream: status %d, want a stream", res.StatusCode)
	}
	if ce := wsRefused(t, w.ts, attacker, bearer(client.Token)); ce.Code != 4429 || !strings.Contains(ce.Text, "this address has 3 open (limit 3)") {
		t.Errorf("fourth connection from one address: %d %q, want 4429 naming the limit", ce.Code, ce.Text)
	}
	if _, res := sseOpen(t, w, client.Token, `subscription { notificationAdded { kind } }`, nil); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("fourth connection, an event stream: status %d, want 429", res.StatusCode)
	}
	wsAckedFrom(t, w.ts, "10.9.0.3", w.callers[azClient2].Token)
}

// Past the ceiling every connection is refused with 4503 (an event stream with 503),
// and the server keeps answering.
func TestConnectionCeilingRefusesWith4503(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"WS_MAX_CONNECTIONS": "2"})
	wsFrom(t, w.ts, "10.8.0.1")
	wsAckedFrom(t, w.ts, "10.8.0.2", w.callers[azClient].Token)
	if ce := wsRefused(t, w.ts, "10.8.0.3", bearer(w.callers[azAdmin].Token)); ce.Code != 4503 || !strings.Contains(ce.Text, "limit 2") {
		t.Errorf("connection over the ceiling: %d %q, want 4503 naming the limit", ce.Code, ce.Text)
	}
	if _, res := sseOpen(t, w, w.callers[azClient2].Token, `subscription { notificationAdded { kind } }`, nil); res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("event stream over the ceiling: status %d, want 503", res.StatusCode)
	}
	if code := w.ts.getJSON(t, "/readyz", nil); code != http.StatusOK {
		t.Errorf("/readyz = %d at the ceiling", code)
	}
}

// Without WS_MAX_CONNECTIONS the ceiling comes from the open-file limit, with room left
// for the database, Redis and HTTP.
func TestDefaultConnectionCeilingIsBelowTheFileLimit(t *testing.T) {
	t.Parallel()
	ts := startServer(t, embeddedEnv(t))
	ceiling, files := mpGauge(t, ts, "websocket_connections_limit"), float64(openFileLimit())
	if ceiling <= 0 || ceiling > files-256 {
		t.Fatalf("connection ceiling %v with an open-file limit of %v, want it positive and 256 or more below", ceiling, files)
	}
}
