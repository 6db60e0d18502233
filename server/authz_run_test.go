package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/graph"
)

// TestEveryRootFieldAuthorizesEachCaller runs every row of the authorization table for
// each of the six callers through real HTTP against PostgreSQL. Queries run over the
// websocket too, where the same directives must hold; subscriptions run only there. No
// subscription is public, so an anonymous socket is refused before any operation.
func TestEveryRootFieldAuthorizesEachCaller(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, nil)
	// The client asks a question for each question row, twice (HTTP and websocket): more
	// than the per-client hourly limit allows.
	w.liftQuestionLimit(t)
	s := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, row := range azTable() {
		name, op, err := azRootField(s, row.op)
		if err != nil {
			t.Fatalf("row %q: %v", firstLine(row.op), err)
		}
		field := op.SelectionSet[0].(*ast.Field).Name
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, c := range azCallers {
				t.Run(string(c), func(t *testing.T) {
					t.Parallel()
					req := azRequest{token: w.token(c)}
					if row.prepare != nil {
						row.prepare(t, w, c, &req)
					}
					want := row.want[c]
					if op.Operation != ast.Subscription {
						if got := w.overHTTP(t, row, req, field); got != want {
							t.Errorf("%s as %s over HTTP: got %s, want %s", name, c, got, want)
						}
					}
					switch {
					case op.Operation == ast.Mutation:
					case req.token == "":
						w.anonymousSocketRefused(t)
					default:
						if got := w.overWebsocket(t, row, req, field); got != want {
							t.Errorf("%s as %s over websocket: got %s, want %s", name, c, got, want)
						}
					}
				})
			}
		})
	}
}

// overHTTP posts the row's operation and judges the answer.
func (w *azWorld) overHTTP(t *testing.T, row azRow, req azRequest, field string) azOutcome {
	t.Helper()
	status, r := w.gql(t, req.token, row.op, req.vars)
	if status >= http.StatusInternalServerError {
		t.Fatalf("status %d: %v", status, r.Errors)
	}
	return azJudge(t, row, req, field, r)
}

// anonymousSocketRefused checks that a socket without credentials is closed with 4401
// at connection_init.
func (w *azWorld) anonymousSocketRefused(t *testing.T) {
	t.Helper()
	_, msg, err := wsDialWith(t, w.ts, w.newAddress(), nil)
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4401 {
		t.Errorf("anonymous socket: got message %v, error %v, want close 4401", msg, err)
	}
}

// overWebsocket runs the row's operation over graphql-transport-ws, signed in with the
// request's token in connection_init, and judges its first result.
func (w *azWorld) overWebsocket(t *testing.T, row azRow, req azRequest, field string) azOutcome {
	t.Helper()
	dialer := websocket.Dialer{Subprotocols: []string{"graphql-transport-ws"}}
	conn, _, err := dialer.Dial("ws"+strings.TrimPrefix(w.ts.URL, "http")+"/query", w.newAddress())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	init := map[string]any{"type": "connection_init"}
	if req.token != "" {
		init["payload"] = map[string]any{"Authorization": "Bearer " + req.token}
	}
	mustWriteJSON(t, conn, init)
	if msg := mustReadJSON(t, conn); msg["type"] != "connection_ack" {
		t.Fatalf("want connection_ack, got %v", msg)
	}
	mustWriteJSON(t, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": row.op, "variables": req.vars}})
	if row.trigger != nil {
		row.trigger(t, w, req)
	}
	for {
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var msg struct {
			Type    string          `json:"type"`
			Payload json.RawMessage `json:"payload"`
		}
		if err := conn.ReadJSON(&msg); err != nil {
			t.Fatalf("read (an allowed subscription row needs a trigger): %v", err)
		}
		switch msg.Type {
		case "next":
			var r gqlResponse
			if err := json.Unmarshal(msg.Payload, &r); err != nil {
				t.Fatalf("next payload: %s", msg.Payload)
			}
			return azJudge(t, row, req, field, r)
		case "error":
			var r gqlResponse
			if err := json.Unmarshal(msg.Payload, &r.Errors); err != nil {
				t.Fatalf("error payload: %s", msg.Payload)
			}
			return azJudge(t, row, req, field, r)
		case "complete":
			t.Fatal("completed without a result")
		}
	}
}

// azJudge turns a response into an outcome: the code of its one error, or allowed or
// hidden by the value of the field.
func azJudge(t *testing.T, row azRow, req azRequest, field string, r gqlResponse) azOutcome {
	t.Helper()
	var data map[string]json.RawMessage
	if len(r.Data) > 0 && string(r.Data) != "null" {
		if err := json.Unmarshal(r.Data, &data); err != nil {
			t.Fatalf("data: %s", r.Data)
		}
	}
	value := data[field]
	if len(r.Errors) > 0 {
		if len(r.Errors) != 1 {
			t.Errorf("want one error, got %s: %v", r.codes(), r.Errors)
		}
		if len(value) > 0 && string(value) != "null" {
			t.Errorf("an error and a value: %s", value)
		}
		return azOutcome(fmt.Sprint(r.Errors[0].Extensions["code"]))
	}
	seen := row.seen
	if seen == nil {
		seen = azPresent
	}
	if seen(req, value) {
		return azAllowed
	}
	return azHidden
}

// azPresent reports a value that is not null, and for a list not empty and without null.
func azPresent(_ azRequest, v json.RawMessage) bool {
	var x any
	if err := json.Unmarshal(v, &x); err != nil || x == nil {
		return false
	}
	if list, ok := x.([]any); ok {
		for _, e := range list {
			if e == nil {
				return false
			}
		}
		return len(list) > 0
	}
	return true
}
