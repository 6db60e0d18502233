package gqlws_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"

	"backbone/graph/gqlws"
)

var protocols = []string{"graphql-transport-ws", "graphql-ws"}

func TestQueriesAndSubscriptionsOnBothProtocols(t *testing.T) {
	t.Parallel()
	for _, proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			t.Parallel()
			b, _, ts := newTestServer(t, gqlws.Config{})
			c := connect(t, ts, proto, "ann")
			c.subscribe("q", `{ hello }`, nil)
			if m := c.next(); m.ID != "q" || !strings.Contains(string(m.Payload), `"hello":"ann"`) {
				t.Fatalf("query result = %+v", m)
			}
			if m := c.next(); m.Type != "complete" || m.ID != "q" {
				t.Fatalf("after the result: %+v, want complete", m)
			}

			c.subscribe("s", ticksQuery, map[string]any{"topic": "solo-" + proto})
			eventually(t, "the subscription", func() bool { return b.count("solo-"+proto) == 1 })
			b.publish("solo-"+proto, 41)
			if got := tick(t, c.next()); got != 41 {
				t.Fatalf("tick = %d, want 41", got)
			}
			stop := "complete"
			if proto == "graphql-ws" {
				stop = "stop"
			}
			c.send(msg{ID: "s", Type: stop})
			eventually(t, "the execution to end", func() bool { return b.count("solo-"+proto) == 0 })

			// An operation that fails validation gets error, and nothing after it.
			c.subscribe("bad", `subscription { nope }`, nil)
			m := c.next()
			if m.ID != "bad" || m.Type != "error" || !strings.Contains(string(m.Payload), "nope") || !strings.Contains(string(m.Payload), "GRAPHQL_VALIDATION_FAILED") {
				t.Fatalf("invalid operation: %+v, want an error message with its validation error", m)
			}
			c.subscribe("after", `{ hello }`, nil)
			if m := c.next(); m.ID != "after" {
				t.Fatalf("after the invalid operation: %+v, want the next operation's result", m)
			}
		})
	}
}

func TestSharedSubscriptionRunsOnceForItsAudience(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{})
	var clients []*client
	for i := range 3 {
		c := connect(t, ts, protocols[i%2], fmt.Sprint("user", i))
		for j := range 10 {
			c.subscribe(fmt.Sprint("a", j), ticksQuery, map[string]any{"topic": "shared-a"})
		}
		clients = append(clients, c)
	}
	clients[0].subscribe("b", ticksQuery, map[string]any{"topic": "shared-b"})
	clients[0].subscribe("a-other-vars", ticksQuery, map[string]any{"topic": "shared-a", "pad": 1})
	waitShared(t, ws, 32)
	eventually(t, "one execution per group", func() bool {
		return b.count("shared-a") == 2 && b.count("shared-b") == 1
	})

	if n := b.publish("shared-a", 7); n != 2 {
		t.Fatalf("executions on shared-a = %d, want 2 (one per variables)", n)
	}
	for i, c := range clients {
		want := 10
		if i == 0 {
			want = 11
		}
		for range want {
			if got := tick(t, c.next()); got != 7 {
				t.Fatalf("client %d: tick %d, want 7", i, got)
			}
		}
	}

	// The group's execution ends when its last member leaves.
	for _, c := range clients {
		for j := range 10 {
			c.send(msg{ID: fmt.Sprint("a", j), Type: map[bool]string{true: "complete", false: "stop"}[c.conn.Subprotocol() == "graphql-transport-ws"]})
		}
	}
	eventually(t, "the group on the other variables only", func() bool { return b.count("shared-a") == 1 })
}

func TestSharedSubscriptionEndsForEveryMember(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{})
	c1 := connect(t, ts, "graphql-transport-ws", "u1")
	c2 := connect(t, ts, "graphql-ws", "u2")
	c1.subscribe("x", ticksQuery, map[string]any{"topic": "shared-end"})
	c2.subscribe("y", ticksQuery, map[string]any{"topic": "shared-end"})
	waitShared(t, ws, 2)
	eventually(t, "one execution", func() bool { return b.count("shared-end") == 1 })
	b.end("shared-end")
	if m := c1.next(); m.Type != "complete" || m.ID != "x" {
		t.Fatalf("c1: %+v, want complete", m)
	}
	if m := c2.next(); m.Type != "complete" || m.ID != "y" {
		t.Fatalf("c2: %+v, want complete", m)
	}
	// The id is free again.
	c1.subscribe("x", ticksQuery, map[string]any{"topic": "shared-end"})
	eventually(t, "resubscribed", func() bool { return b.count("shared-end") == 1 })
}

func TestReplayLatestGivesAJoinerTheLastEvent(t *testing.T) {
	t.Parallel()
	b, _, ts := newTestServer(t, gqlws.Config{})
	c1 := connect(t, ts, "graphql-transport-ws", "u1")
	c1.subscribe("1", ticksQuery, map[string]any{"topic": "latest-stats"})
	eventually(t, "subscribed", func() bool { return b.count("latest-stats") == 1 })
	b.publish("latest-stats", 5)
	if got := tick(t, c1.next()); got != 5 {
		t.Fatalf("tick = %d, want 5", got)
	}
	c2 := connect(t, ts, "graphql-transport-ws", "u2")
	c2.subscribe("2", ticksQuery, map[string]any{"topic": "latest-stats"})
	if got := tick(t, c2.next()); got != 5 {
		t.Fatalf("joiner's first tick = %d, want the latest, 5", got)
	}
	b.publish("latest-stats", 6)
	if tick(t, c1.next()) != 6 || tick(t, c2.next()) != 6 {
		t.Fatal("both members should get the next event")
	}
}

func TestUnsharedSubscriptionsRunPerSubscriber(t *testing.T) {
	t.Parallel()
	b, _, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "u")
	for i := range 3 {
		c.subscribe(fmt.Sprint(i), ticksQuery, map[string]any{"topic": "own"})
	}
	eventually(t, "three executions", func() bool { return b.count("own") == 3 })
}

func TestSlowConsumerIsDisconnectedWithoutStallingOthers(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{SendQueue: 64, WriteTimeout: time.Minute})
	slow := connect(t, ts, "graphql-transport-ws", "slow")
	fast := connect(t, ts, "graphql-transport-ws", "fast")
	vars := map[string]any{"topic": "shared-flood", "pad": 64 << 10}
	slow.subscribe("s", ticksQuery, vars)
	fast.subscribe("f", ticksQuery, vars)
	waitShared(t, ws, 2)
	eventually(t, "one execution", func() bool { return b.count("shared-flood") == 1 })

	// 38 MiB: more than the socket buffers hold for a client that reads nothing. The
	// publisher stays at most 32 events ahead of the fast client, which therefore never
	// has more than 32 waiting, whatever the machine's speed.
	const events = 600
	window := make(chan struct{}, 32)
	go func() {
		for i := range events {
			window <- struct{}{}
			b.publish("shared-flood", i)
		}
	}()
	for i := range events {
		if got := tick(t, fast.next()); got != i {
			t.Fatalf("fast client: tick %d, want %d", got, i)
		}
		<-window
	}
	ce := slow.closed()
	if ce.Code != gqlws.CloseSlowConsumer || !strings.Contains(ce.Text, "slow consumer") {
		t.Fatalf("slow client closed with %d %q, want 1008 slow consumer", ce.Code, ce.Text)
	}
}

func TestConnectionRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		proto    string
		messages []msg
		want     int
		text     string
	}{
		{"subscribe before init", "graphql-transport-ws", []msg{{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{"query": "{ hello }"})}}, 4401, "Unauthorized"},
		{"second init", "graphql-transport-ws", []msg{{Type: "connection_init"}, {Type: "connection_init"}}, 4429, "Too many initialisation requests"},
		{"refused init", "graphql-transport-ws", []msg{{Type: "connection_init", Payload: mustJSON(map[string]any{"deny": true})}}, 4403, "denied by the test"},
		{"refused init, legacy", "graphql-ws", []msg{{Type: "connection_init", Payload: mustJSON(map[string]any{"deny": true})}}, 4403, "denied by the test"},
		{"unknown message", "graphql-transport-ws", []msg{{Type: "connection_init"}, {Type: "bogus"}}, 4400, "unexpected message"},
		{"subscribe without a payload", "graphql-transport-ws", []msg{{Type: "connection_init"}, {ID: "1", Type: "subscribe"}}, 4400, "needs a payload object"},
		{"start with a payload that is no object, legacy", "graphql-ws", []msg{{Type: "connection_init"}, {ID: "1", Type: "start", Payload: mustJSON("x")}}, 4400, "needs a payload object"},
		{"duplicate id", "graphql-transport-ws", []msg{{Type: "connection_init"},
			{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{"query": ticksQuery, "variables": map[string]any{"topic": "dup"}})},
			{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{"query": ticksQuery, "variables": map[string]any{"topic": "dup"}})}}, 4409, "Subscriber for 1 already exists"},
		{"legacy terminate", "graphql-ws", []msg{{Type: "connection_init"}, {Type: "connection_terminate"}}, 1000, "terminated"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, ts := newTestServer(t, gqlws.Config{})
			c, _, err := dial(t, ts, tc.proto, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tc.messages {
				c.send(m)
			}
			ce := c.closed()
			if ce.Code != tc.want || !strings.Contains(ce.Text, tc.text) {
				t.Fatalf("closed with %d %q, want %d %q", ce.Code, ce.Text, tc.want, tc.text)
			}
		})
	}
}

func TestLegacyProtocolHearsTheReasonBeforeTheClose(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c, _, err := dial(t, ts, "graphql-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"deny": true})})
	if m := c.next(); m.Type != "connection_error" || !strings.Contains(string(m.Payload), "denied by the test") {
		t.Fatalf("got %+v, want connection_error with the reason", m)
	}
}

func TestInitTimeout(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{InitTimeout: 100 * time.Millisecond})
	c, _, err := dial(t, ts, "graphql-transport-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ce := c.closed(); ce.Code != 4408 {
		t.Fatalf("closed with %d %q, want 4408", ce.Code, ce.Text)
	}
}

func TestConnectionsPerUserAreLimited(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{MaxConnsPerUser: 2})
	first := connect(t, ts, "graphql-transport-ws", "busy")
	connect(t, ts, "graphql-transport-ws", "busy")
	connect(t, ts, "graphql-transport-ws", "someone else")

	over, _, err := dial(t, ts, "graphql-transport-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	over.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"user": "busy"})})
	if ce := over.closed(); ce.Code != gqlws.CloseTooManyConnections || !strings.Contains(ce.Text, "limit 2") {
		t.Fatalf("closed with %d %q, want 4429 naming the limit", ce.Code, ce.Text)
	}

	first.conn.Close()
	eventually(t, "a freed slot", func() bool { return acked(t, ts, "busy") })
}

func TestCloseEndsAConnectionFromItsContext(t *testing.T) {
	t.Parallel()
	inits := make(chan context.Context, 1)
	_, _, ts := newTestServer(t, gqlws.Config{InitFunc: func(ctx context.Context, _ gqlws.InitPayload) (context.Context, error) {
		inits <- ctx
		return ctx, nil
	}})
	c := connect(t, ts, "graphql-transport-ws", "")
	if !gqlws.Close(<-inits, 4401, "token expired") {
		t.Fatal("Close did not find the connection")
	}
	if ce := c.closed(); ce.Code != 4401 || ce.Text != "token expired" {
		t.Fatalf("closed with %d %q, want 4401 token expired", ce.Code, ce.Text)
	}
	if gqlws.Close(context.Background(), 4401, "x") {
		t.Error("Close found a connection in a plain context")
	}
}

func TestKeepAlive(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{KeepAlive: 50 * time.Millisecond})
	for proto, want := range map[string]string{"graphql-transport-ws": "ping", "graphql-ws": "ka"} {
		c := connect(t, ts, proto, "")
		_ = c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		var m msg
		for m.Type != want {
			if err := c.conn.ReadJSON(&m); err != nil {
				t.Fatalf("%s: %v", proto, err)
			}
		}
	}
}

func TestShutdownClosesConnectionsWithGoingAway(t *testing.T) {
	t.Parallel()
	_, ws, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "")
	go ws.Shutdown(context.Background())
	if ce := c.closed(); ce.Code != websocket.CloseGoingAway {
		t.Fatalf("closed with %d %q, want 1001", ce.Code, ce.Text)
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
		{name: "allow list refuses an unlisted origin", check: gqlws.AllowOrigins("http://app.example"), origin: "http://evil.example", wantStatus: http.StatusForbidden},
		{name: "allow list admits a listed origin", check: gqlws.AllowOrigins("http://app.example"), origin: "http://APP.example", wantStatus: http.StatusSwitchingProtocols},
		{name: "wildcard admits any origin", check: gqlws.AllowOrigins("*"), origin: "http://evil.example", wantStatus: http.StatusSwitchingProtocols},
		{name: "a port wildcard admits a local dev server", check: gqlws.AllowOrigins("http://localhost:*"), origin: "http://localhost:5173", wantStatus: http.StatusSwitchingProtocols},
		{name: "a port wildcard refuses another host", check: gqlws.AllowOrigins("http://localhost:*"), origin: "http://localhost.evil.example", wantStatus: http.StatusForbidden},
		{name: "a subdomain wildcard admits a preview", check: gqlws.AllowOrigins("https://*.example.com"), origin: "https://pr-1.example.com", wantStatus: http.StatusSwitchingProtocols},
		{name: "a subdomain wildcard refuses the bare suffix", check: gqlws.AllowOrigins("https://*.example.com"), origin: "https://evilexample.com", wantStatus: http.StatusForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, _, ts := newTestServer(t, gqlws.Config{CheckOrigin: tc.check})
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			_, res, err := dial(t, ts, "graphql-transport-ws", h)
			if res == nil {
				t.Fatalf("no HTTP response: %v", err)
			}
			if res.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d", res.StatusCode, tc.wantStatus)
			}
			if res.StatusCode == http.StatusForbidden && res.Header.Get("Content-Type") != "application/json" {
				t.Errorf("refusal Content-Type = %q, want JSON", res.Header.Get("Content-Type"))
			}
			if res.StatusCode == http.StatusForbidden {
				body, _ := io.ReadAll(res.Body)
				if !strings.Contains(string(body), "CORS_ORIGINS") {
					t.Errorf("refusal %s does not name CORS_ORIGINS", body)
				}
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{})
	reg := prometheus.NewRegistry()
	if err := ws.Register(reg); err != nil {
		t.Fatal(err)
	}
	c := connect(t, ts, "graphql-transport-ws", "m")
	c.subscribe("1", ticksQuery, map[string]any{"topic": "shared-metrics"})
	c.subscribe("2", ticksQuery, map[string]any{"topic": "shared-metrics"})
	waitShared(t, ws, 2)
	eventually(t, "one execution", func() bool { return b.count("shared-metrics") == 1 })
	b.publish("shared-metrics", 1)
	c.next()
	c.next()
	want := map[string]float64{"websocket_connections": 1, "websocket_shared_subscriptions": 1, "websocket_shared_subscribers": 2}
	eventually(t, "the gauges", func() bool {
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]float64{}
		for _, f := range families {
			m := f.GetMetric()[0]
			got[f.GetName()] = m.GetGauge().GetValue() + m.GetCounter().GetValue()
		}
		for name, v := range want {
			if got[name] != v {
				return false
			}
		}
		return got["websocket_messages_sent_total"] >= 3 // ack and two events
	})
}

func TestCloseAfterOperationsStopsSubscriptionsAtOnce(t *testing.T) {
	t.Parallel()
	inits := make(chan context.Context, 1)
	// A drain that never times out: only ending the subscription lets the close come.
	b, _, ts := newTestServer(t, gqlws.Config{DrainTimeout: time.Hour, InitFunc: func(ctx context.Context, _ gqlws.InitPayload) (context.Context, error) {
		inits <- ctx
		return ctx, nil
	}})
	c := connect(t, ts, "graphql-transport-ws", "")
	ctx := <-inits
	c.subscribe("1", `subscription { ticks(topic: "drained") }`, nil)
	eventually(t, "the subscription", func() bool { return b.count("drained") == 1 })
	if !gqlws.CloseAfterOperations(ctx, 4403, "session revoked") {
		t.Fatal("CloseAfterOperations did not find the connection")
	}
	// Only a query or mutation in flight is waited for: the close comes at once.
	if ce := c.closed(); ce.Code != 4403 || ce.Text != "session revoked" {
		t.Fatalf("closed with %d %q, want 4403 session revoked", ce.Code, ce.Text)
	}
	eventually(t, "the subscription's end", func() bool { return b.count("drained") == 0 })
}
