package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// wsOperation runs query on a new socket of the given subprotocol, signed in with tok
// (anonymous sockets are refused), and returns the first result or error message.
func wsOperation(t *testing.T, ts *testServer, protocol, tok, query string) gqlResponse {
	t.Helper()
	return wsOperationPayload(t, ts, protocol, tok, map[string]any{"query": query})
}

// wsOperationPayload is wsOperation with any subscribe payload (a documentId, extensions).
func wsOperationPayload(t *testing.T, ts *testServer, protocol, tok string, payload map[string]any) gqlResponse {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{protocol}, HandshakeTimeout: 10 * time.Second}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(ts.URL, "http")+"/query", http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	start := map[string]string{"graphql-transport-ws": "subscribe", "graphql-ws": "start"}[protocol]
	mustWriteJSON(t, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": bearer(tok)}})
	if ack, err := wsRead(conn, 10*time.Second); err != nil || ack["type"] != "connection_ack" {
		t.Fatalf("%s: %v %v, want connection_ack", protocol, ack, err)
	}
	mustWriteJSON(t, conn, map[string]any{"id": "1", "type": start, "payload": payload})
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second)) // a hang guard
	for {
		var m struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("%s: %v", protocol, err)
		}
		var r gqlResponse
		switch m.Type {
		case "next", "data":
			_ = json.Unmarshal(m.Payload, &r)
			return r
		case "error":
			_ = json.Unmarshal(m.Payload, &r.Errors)
			return r
		}
	}
}

// TestHostileDocumentsOverWebsockets: issue 11's documents on both websocket protocols
// (graph's tests cover POST, GET and server-sent events with the same documents): each is
// refused before validation; mistakes get no suggestion, introspection while it is off a
// client error; the error list is capped; nothing is logged at ERROR.
func TestHostileDocumentsOverWebsockets(t *testing.T) {
	t.Parallel()
	ts := startServer(t, withDefaults(map[string]string{"INTROSPECTION": "false"}, embeddedEnv(t)))
	tok := newAPI(ts).register(t, uniqueEmail("hostile-ws")).AccessToken

	var fragments strings.Builder
	fragments.WriteString("query{...F0}")
	for i := range 30 {
		fmt.Fprintf(&fragments, " fragment F%d on Query{...F%d ...F%d}", i, i+1, i+1)
	}
	fragments.WriteString(" fragment F30 on Query{__typename}")
	var args strings.Builder
	for i := range 4_000 {
		fmt.Fprintf(&args, " a%d: 1", i)
	}
	for _, protocol := range []string{"graphql-transport-ws", "graphql-ws"} {
		for _, q := range []struct{ name, query, limit string }{
			{"20,000 __typename", "{" + strings.Repeat(" __typename", 20_000) + " }", "tokens"},
			{"90,000 __typename", "{" + strings.Repeat(" __typename", 90_000) + " }", "tokens"},
			{"31 doubling fragments", fragments.String(), "fields"},
		} {
			r := wsOperation(t, ts, protocol, tok, q.query)
			if r.codes() != "QUERY_LIMIT_EXCEEDED" || r.Errors[0].Extensions["limit"] != q.limit {
				t.Errorf("%s: %s: %v, want QUERY_LIMIT_EXCEEDED for %s", protocol, q.name, r.Errors, q.limit)
			}
		}
		if r := wsOperation(t, ts, protocol, tok, `{ serverInf }`); r.codes() != "GRAPHQL_VALIDATION_FAILED" || strings.Contains(r.Errors[0].Message, "Did you mean") {
			t.Errorf("%s: a misspelt field: %v", protocol, r.Errors)
		}
		if r := wsOperation(t, ts, protocol, tok, `{ __schema { types { name } } }`); r.codes() != "GRAPHQL_VALIDATION_FAILED" {
			t.Errorf("%s: introspection while off: %v", protocol, r.Errors)
		}
		r := wsOperation(t, ts, protocol, tok, "{ serverInfo("+args.String()+") { version } }")
		if n := len(r.Errors); n != 101 || r.Errors[100].Extensions["code"] != "ERRORS_OMITTED" {
			t.Errorf("%s: 4,000 unknown arguments: %d errors, want 100 and one ERRORS_OMITTED", protocol, n)
		}
	}
	if logs := ts.logs.String(); strings.Contains(logs, "level=ERROR") {
		t.Errorf("logged at ERROR:\n%s", logs)
	}
}
