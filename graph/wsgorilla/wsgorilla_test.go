package wsgorilla_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/transport"

	"backbone/graph/wsgorilla"
)

// protocols holds the message types of the two subprotocols.
var protocols = []struct {
	name, subscribe, data string
}{
	{name: "graphql-transport-ws", subscribe: "subscribe", data: "next"},
	{name: "graphql-ws", subscribe: "start", data: "data"},
}

func TestQueryAndSubscription(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		t.Run(p.name, func(t *testing.T) {
			t.Parallel()
			srv, ts := newGQLServer(t, transport.Websocket{Implementation: wsgorilla.New(nil)})
			c, _, err := dial(t, srv, p.name, nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if c.Subprotocol() != p.name {
				t.Fatalf("subprotocol = %q, want %q", c.Subprotocol(), p.name)
			}
			send(t, c, msg{Type: "connection_init", Payload: json.RawMessage(`{}`)})
			if m := next(t, c); m.Type != "connection_ack" {
				t.Fatalf("got %s, want connection_ack", m.Type)
			}

			send(t, c, msg{ID: "q", Type: p.subscribe, Payload: json.RawMessage(`{"query":"{ name }"}`)})
			if m := next(t, c); m.Type != p.data || m.ID != "q" || string(m.Payload) != `{"data":{"name":"test"}}` {
				t.Fatalf("got %s %s %s, want %s with data", m.ID, m.Type, m.Payload, p.data)
			}
			if m := next(t, c); m.Type != "complete" || m.ID != "q" {
				t.Fatalf("got %s %s, want complete", m.ID, m.Type)
			}

			send(t, c, msg{ID: "s", Type: p.subscribe, Payload: json.RawMessage(`{"query":"subscription { name }"}`)})
			for range 2 {
				ts.SendNextSubscriptionMessage()
				if m := next(t, c); m.Type != p.data || m.ID != "s" {
					t.Fatalf("got %s %s, want %s for the subscription", m.ID, m.Type, p.data)
				}
			}
			ts.SendCompleteSubscriptionMessage()
			if m := next(t, c); m.Type != "complete" || m.ID != "s" {
				t.Fatalf("got %s %s, want complete", m.ID, m.Type)
			}
		})
	}
}

func TestNoSubprotocolFallsBackToGraphQLWS(t *testing.T) {
	t.Parallel()
	srv, _ := newGQLServer(t, transport.Websocket{Implementation: wsgorilla.New(nil)})
	c, _, err := dial(t, srv, "", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	send(t, c, msg{Type: "connection_init"})
	if m := next(t, c); m.Type != "connection_ack" {
		t.Fatalf("got %s, want connection_ack", m.Type)
	}
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		check      func(*http.Request) bool
		origin     string
		wantStatus int
	}{
		{name: "default refuses another origin", origin: "http://evil.example", wantStatus: http.StatusForbidden},
		{name: "default admits no origin", wantStatus: http.StatusSwitchingProtocols},
		{name: "allow list refuses an unlisted origin", check: wsgorilla.AllowOrigins("http://app.example"), origin: "http://evil.example", wantStatus: http.StatusForbidden},
		{name: "allow list admits a listed origin", check: wsgorilla.AllowOrigins("http://app.example"), origin: "http://APP.example", wantStatus: http.StatusSwitchingProtocols},
		{name: "wildcard admits any origin", check: wsgorilla.AllowOrigins("*"), origin: "http://evil.example", wantStatus: http.StatusSwitchingProtocols},
		{name: "custom check refuses", check: func(*http.Request) bool { return false }, wantStatus: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newGQLServer(t, transport.Websocket{Implementation: wsgorilla.New(tc.check)})
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			_, res, err := dial(t, srv, "graphql-transport-ws", h)
			if res == nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d (%v)", res.StatusCode, tc.wantStatus, err)
			}
			if res.StatusCode == http.StatusForbidden && res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("refusal Content-Type = %q, want gqlgen's JSON body", res.Header.Get("Content-Type"))
			}
		})
	}
}

func TestServerCloses(t *testing.T) {
	t.Parallel()
	deny := func(ctx context.Context, _ transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		return transport.WithWebsocketCloseCode(transport.AppendCloseReason(ctx, "Forbidden"), 4403), nil, errors.New("bad token")
	}
	tests := []struct {
		name        string
		subprotocol string
		init        transport.WebsocketInitFunc
		after       []msg
		wantCode    int
	}{
		{name: "InitFunc error closes with its code", subprotocol: "graphql-transport-ws", init: deny, wantCode: 4403},
		{name: "InitFunc error closes with its code on graphql-ws", subprotocol: "graphql-ws", init: deny, wantCode: 4403},
		{name: "unexpected message is a protocol error", subprotocol: "graphql-transport-ws", after: []msg{{Type: "connection_init"}}, wantCode: 1002},
		{name: "connection_terminate is a normal close", subprotocol: "graphql-ws", after: []msg{{Type: "connection_terminate"}}, wantCode: 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			closed := make(chan int, 1)
			srv, _ := newGQLServer(t, transport.Websocket{
				Implementation: wsgorilla.New(nil),
				InitFunc:       tc.init,
				CloseFunc:      func(_ context.Context, code int) { closed <- code },
			})
			c, _, err := dial(t, srv, tc.subprotocol, nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			send(t, c, msg{Type: "connection_init"})
			if tc.init == nil {
				if m := next(t, c); m.Type != "connection_ack" {
					t.Fatalf("got %s, want connection_ack", m.Type)
				}
			}
			for _, m := range tc.after {
				send(t, c, m)
			}
			code, _ := closeCode(t, c)
			if code != tc.wantCode {
				t.Fatalf("close code = %d, want %d", code, tc.wantCode)
			}
			if got := <-closed; got != tc.wantCode {
				t.Fatalf("CloseFunc code = %d, want %d", got, tc.wantCode)
			}
		})
	}
}
