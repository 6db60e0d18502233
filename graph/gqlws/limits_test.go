package gqlws_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/graph/gqlws"
)

// byTestIP takes the client address from X-Test-IP, as a trusted proxy would set it.
func byTestIP(r *http.Request) string { return r.Header.Get("X-Test-IP") }

// dialFrom opens a socket from ip without initialising it.
func dialFrom(t *testing.T, ts *httptest.Server, ip string) *client {
	t.Helper()
	c, _, err := dial(t, ts, "graphql-transport-ws", http.Header{"X-Test-IP": {ip}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// connectFrom opens a socket from ip and initialises it as user ("" anonymous); it
// returns the close frame when the server refuses it, nil when it is acknowledged.
func connectFrom(t *testing.T, ts *httptest.Server, ip, user string) (*client, *websocket.CloseError) {
	t.Helper()
	c := dialFrom(t, ts, ip)
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"user": user})})
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m msg
	if err := c.conn.ReadJSON(&m); err != nil {
		var ce *websocket.CloseError
		if errors.As(err, &ce) {
			return c, ce
		}
		t.Fatalf("read: %v", err)
	}
	if m.Type != "connection_ack" {
		t.Fatalf("want connection_ack or a close, got %+v", m)
	}
	return c, nil
}

// slotFreed closes held and waits until a connection from ip as user is admitted.
func slotFreed(t *testing.T, ts *httptest.Server, held *client, ip, user string) {
	t.Helper()
	held.conn.Close()
	eventually(t, "a freed slot", func() bool {
		c, refused := connectFrom(t, ts, ip, user)
		c.conn.Close()
		return refused == nil
	})
}

func TestAnonymousSocketsPerAddressAreLimited(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{ClientIP: byTestIP, Limits: gqlws.Limits{AnonymousPerIP: 2}})
	// Sockets that have not said who they are count as anonymous from the upgrade on.
	dialFrom(t, ts, "10.0.0.1")
	dialFrom(t, ts, "10.0.0.1")
	_, refused := connectFrom(t, ts, "10.0.0.1", "")
	if refused == nil || refused.Code != gqlws.CloseTooManyConnections || !strings.Contains(refused.Text, "without signing in (limit 2)") {
		t.Fatalf("third anonymous socket from one address: %+v, want 4429 naming the limit", refused)
	}
	if _, refused := connectFrom(t, ts, "10.0.0.2", "ann"); refused != nil {
		t.Fatalf("a user from another address was refused: %+v", refused)
	}
	// A socket that signs in no longer counts as anonymous.
	if _, refused := connectFrom(t, ts, "10.0.0.3", "bob"); refused != nil {
		t.Fatal(refused)
	}
	dialFrom(t, ts, "10.0.0.3")
	if _, refused := connectFrom(t, ts, "10.0.0.3", "bob"); refused != nil {
		t.Fatalf("second anonymous slot of 10.0.0.3 after one signed in: %+v", refused)
	}
}

func TestConnectionsPerAddressAreLimited(t *testing.T) {
	t.Parallel()
	_, ws, ts := newTestServer(t, gqlws.Config{ClientIP: byTestIP, Limits: gqlws.Limits{PerIP: 3}})
	first, _ := connectFrom(t, ts, "10.0.0.1", "ann")
	connectFrom(t, ts, "10.0.0.1", "bob")
	// An event stream from the address counts with its websockets.
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set("X-Test-IP", "10.0.0.1")
	release, err := ws.Reserve(req, "cid", nil)
	if err != nil {
		t.Fatalf("stream refused: %v", err)
	}
	defer release()
	if _, refused := connectFrom(t, ts, "10.0.0.1", "dan"); refused == nil || refused.Code != gqlws.CloseTooManyConnections ||
		!strings.Contains(refused.Text, "this address has 3 open (limit 3)") {
		t.Fatalf("fourth connection from one address: %+v, want 4429 naming the limit", refused)
	}
	if _, err := ws.Reserve(req, "eve", nil); err == nil {
		t.Fatal("a stream over the address's limit was admitted")
	}
	if _, refused := connectFrom(t, ts, "10.0.0.2", "dan"); refused != nil {
		t.Fatalf("another address was refused: %+v", refused)
	}
	slotFreed(t, ts, first, "10.0.0.1", "dan")
}

// One host usually holds a whole IPv6 /64 and may use any address in it: the limits
// count such addresses together, and another /64 apart.
func TestIPv6AddressesCountByTheirSlash64(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{ClientIP: byTestIP, Limits: gqlws.Limits{AnonymousPerIP: 2}})
	dialFrom(t, ts, "2001:db8:aaaa:1::1")
	dialFrom(t, ts, "2001:db8:aaaa:1::2")
	_, refused := connectFrom(t, ts, "2001:db8:aaaa:1:ffff::3", "")
	if refused == nil || refused.Code != gqlws.CloseTooManyConnections || !strings.Contains(refused.Text, "without signing in (limit 2)") {
		t.Fatalf("third anonymous socket from one /64: %+v, want 4429 naming the limit", refused)
	}
	if _, refused := connectFrom(t, ts, "2001:db8:aaaa:2::1", "ann"); refused != nil {
		t.Fatalf("a socket from another /64 was refused: %+v", refused)
	}
}

func TestTheCeilingClosesWith4503(t *testing.T) {
	t.Parallel()
	_, ws, ts := newTestServer(t, gqlws.Config{ClientIP: byTestIP, Limits: gqlws.Limits{Total: 2}})
	first, _ := connectFrom(t, ts, "10.0.0.1", "ann")
	dialFrom(t, ts, "10.0.0.2") // not initialised: it holds a descriptor all the same
	_, refused := connectFrom(t, ts, "10.0.0.3", "bob")
	if refused == nil || refused.Code != gqlws.CloseServerBusy || !strings.Contains(refused.Text, "limit 2") {
		t.Fatalf("connection over the ceiling: %+v, want 4503 naming the limit", refused)
	}
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	var ce *gqlws.CloseError
	if _, err := ws.Reserve(req, "cid", nil); !errors.As(err, &ce) || ce.Code != gqlws.CloseServerBusy {
		t.Fatalf("stream over the ceiling: %v, want CloseServerBusy", err)
	}
	slotFreed(t, ts, first, "10.0.0.3", "bob")
}

func TestRefuseAnonymous(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{RefuseAnonymous: true})
	if _, refused := connectFrom(t, ts, "", ""); refused == nil || refused.Code != gqlws.CloseUnauthorized {
		t.Fatalf("anonymous connection: %+v, want 4401", refused)
	}
	if _, refused := connectFrom(t, ts, "", "ann"); refused != nil {
		t.Fatalf("signed-in connection refused: %+v", refused)
	}
}

// Shutdown ends the streams of other transports as it closes the websockets, and admits
// no new one.
func TestShutdownEndsReservedStreams(t *testing.T) {
	t.Parallel()
	ws := gqlws.New(gqlws.Config{})
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	ended := make(chan struct{})
	release, err := ws.Reserve(req, "cid", func() { close(ended) })
	if err != nil {
		t.Fatalf("stream refused: %v", err)
	}
	defer release()
	ws.Shutdown(t.Context())
	select {
	case <-ended:
	default:
		t.Fatal("Shutdown did not end the stream")
	}
	var ce *gqlws.CloseError
	if _, err := ws.Reserve(req, "cid", nil); !errors.As(err, &ce) || ce.Code != websocket.CloseGoingAway {
		t.Fatalf("stream during shutdown: %v, want 1001", err)
	}
}
