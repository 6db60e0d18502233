package gqlws_test

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"backbone/graph/gqlws"
)

func TestOperationsPerConnectionAreLimited(t *testing.T) {
	t.Parallel()
	b, _, ts := newTestServer(t, gqlws.Config{MaxOperations: 3})
	c := connect(t, ts, "graphql-transport-ws", "u")
	for i := range 3 {
		c.subscribe(fmt.Sprint(i), ticksQuery, map[string]any{"topic": "own-limit"})
	}
	eventually(t, "three executions", func() bool { return b.count("own-limit") == 3 })
	c.subscribe("3", ticksQuery, map[string]any{"topic": "own-limit"})
	if m := c.next(); m.Type != "error" || m.ID != "3" || !strings.Contains(string(m.Payload), "limit 3") {
		t.Fatalf("fourth operation: %+v, want an error naming the limit", m)
	}
	c.send(msg{ID: "0", Type: "complete"})
	eventually(t, "a freed slot", func() bool { return b.count("own-limit") == 2 })
	c.subscribe("4", ticksQuery, map[string]any{"topic": "own-limit"})
	eventually(t, "the new operation", func() bool { return b.count("own-limit") == 3 })
}

func TestNothingFollowsAnError(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "u")
	c.send(msg{ID: "bad", Type: "subscribe", Payload: json.RawMessage(`{"query": 5}`)})
	c.subscribe("ok", `{ hello }`, nil)
	var got []string
	for len(got) < 3 {
		m := c.next()
		got = append(got, m.ID+":"+m.Type)
	}
	want := map[string]bool{"bad:error": true, "ok:next": true, "ok:complete": true}
	for _, g := range got {
		if !want[g] {
			t.Fatalf("messages %v, want bad:error and ok:next, ok:complete only", got)
		}
	}
}

// A subscribe payload of valid JSON with a parameter of the wrong type is refused with
// the message HTTP gives for it, not "invalid json".
func TestSubscribePayloadsAreCheckedAsHTTPParameters(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "u")
	for payload, want := range map[string]string{
		`{"query": 5}`: "query must be a string",
		`{"query": "{ hello }", "variables": "x"}`: "variables must be a JSON object or null",
		`{"query": "{ hello }", "documentId": 5}`:  "documentId must be a string or null",
	} {
		c.send(msg{ID: "bad", Type: "subscribe", Payload: json.RawMessage(payload)})
		m := c.next()
		var errs []struct {
			Message    string
			Extensions map[string]any
		}
		if m.Type != "error" || json.Unmarshal(m.Payload, &errs) != nil || len(errs) != 1 ||
			!strings.Contains(errs[0].Message, want) || errs[0].Extensions["code"] != "BAD_REQUEST" {
			t.Errorf("payload %s: %s %s, want an error %q with BAD_REQUEST", payload, m.Type, m.Payload, want)
		}
	}
}

func TestOperationIDsAreEchoedAsJSON(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "u")
	id := "a\u0007b\"<"
	c.send(msg{ID: id, Type: "subscribe", Payload: json.RawMessage(`{"query":"{ hello }"}`)})
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, data, err := c.conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var m msg
	if err := json.Unmarshal(data, &m); err != nil || m.ID != id {
		t.Fatalf("server sent %s (%v), want valid JSON echoing the id", data, err)
	}
	c.send(msg{ID: strings.Repeat("x", 129), Type: "subscribe", Payload: json.RawMessage(`{"query":"{ hello }"}`)})
	if ce := c.closed(); ce.Code != 4400 {
		t.Fatalf("a 129-byte id: closed with %d %q, want 4400", ce.Code, ce.Text)
	}
}

func TestASilentConnectionIsDropped(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{KeepAlive: 20 * time.Millisecond, MaxConnsPerUser: 1})
	connect(t, ts, "graphql-transport-ws", "u") // never reads again: never answers a ping
	eventually(t, "the user's slot to be freed", func() bool { return acked(t, ts, "u") })
}

func TestAnIDMayBeReusedOnceCompleted(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "")
	for i := range 500 {
		c.subscribe("x", `{ hello }`, nil)
		for {
			m := c.next()
			if m.Type == "complete" {
				break
			}
			if m.Type != "next" {
				t.Fatalf("iteration %d: %+v", i, m)
			}
		}
	}
}

func TestAnOversizedMessageGetsOneCloseFrame(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{ReadLimit: 1024})
	c := connect(t, ts, "graphql-transport-ws", "u")
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat(" ", 4096))); err != nil {
		t.Fatal(err)
	}
	// Read raw frames: gorilla's client would stop at the first close frame.
	raw := c.conn.NetConn()
	_ = raw.SetReadDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(raw)
	var closes []int
	for {
		h := make([]byte, 2)
		if _, err := io.ReadFull(r, h); err != nil {
			break
		}
		n := int(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			_, _ = io.ReadFull(r, b[:])
			n = int(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			_, _ = io.ReadFull(r, b[:])
			n = int(binary.BigEndian.Uint64(b[:]))
		}
		p := make([]byte, n)
		if _, err := io.ReadFull(r, p); err != nil {
			break
		}
		if h[0]&0x0f == websocket.CloseMessage {
			closes = append(closes, int(binary.BigEndian.Uint16(p)))
		}
	}
	if len(closes) != 1 || closes[0] != websocket.CloseMessageTooBig {
		t.Fatalf("close frames %v, want one 1009", closes)
	}
}

func TestAPanickingSharedExecutionCompletesItsMembers(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{}) // a tick of -1 panics in the execution

	a := connect(t, ts, "graphql-transport-ws", "a")
	m := connect(t, ts, "graphql-transport-ws", "m")
	a.subscribe("1", ticksQuery, map[string]any{"topic": "shared-z"})
	m.subscribe("1", ticksQuery, map[string]any{"topic": "shared-z"})
	waitShared(t, ws, 2)
	b.publish("shared-z", -1)
	for _, c := range []*client{a, m} {
		if got := c.next(); got.Type != "complete" {
			t.Fatalf("after the panic: %+v, want complete", got)
		}
	}
	late := connect(t, ts, "graphql-transport-ws", "late")
	late.subscribe("1", ticksQuery, map[string]any{"topic": "shared-z"})
	waitShared(t, ws, 1)
	eventually(t, "one execution", func() bool { return b.count("shared-z") == 1 })
	b.publish("shared-z", 5)
	if got := tick(t, late.next()); got != 5 {
		t.Fatalf("tick %d, want 5", got)
	}
}

func TestCloseDuringInitEndsTheConnection(t *testing.T) {
	t.Parallel()
	_, ws, ts := newTestServer(t, gqlws.Config{InitFunc: func(ctx context.Context, _ gqlws.InitPayload) (context.Context, error) {
		time.Sleep(300 * time.Millisecond)
		return ctx, nil
	}})
	c, _, err := dial(t, ts, "graphql-transport-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(msg{Type: "connection_init"})
	time.Sleep(50 * time.Millisecond) // InitFunc is running
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ws.Shutdown(ctx)
	if ctx.Err() != nil {
		t.Fatal("Shutdown waited for the whole deadline: the connection closed during init stayed open")
	}
}

func TestLegacyRefusalSendsOneConnectionError(t *testing.T) {
	t.Parallel()
	_, _, ts := newTestServer(t, gqlws.Config{})
	c, _, err := dial(t, ts, "graphql-ws", nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"deny": true})})
	n := 0
	for {
		_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		var m msg
		if err := c.conn.ReadJSON(&m); err != nil {
			break
		}
		if m.Type == "connection_error" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("connection_error sent %d times, want 1", n)
	}
}

// A subscriber that joined a shared execution keeps nothing of its own cancelled one:
// an idle subscription costs its connection and its membership, not an operation's
// context (with its loaders and parsed variables).
func TestAMemberKeepsNothingOfItsCancelledExecution(t *testing.T) {
	t.Parallel()
	b, ws, ts := newTestServer(t, gqlws.Config{})
	c := connect(t, ts, "graphql-transport-ws", "ann")
	for i := range 5 {
		c.subscribe(fmt.Sprint("s", i), ticksQuery, map[string]any{"topic": "shared-gc"})
	}
	waitShared(t, ws, 5)
	eventually(t, "the four joiners' operation contexts collected", func() bool {
		runtime.GC()
		return b.collected.Load() == 4
	})
	b.publish("shared-gc", 1)
	for range 5 {
		if got := tick(t, c.next()); got != 1 {
			t.Fatalf("tick = %d, want 1", got)
		}
	}
	runtime.GC()
	if n := b.collected.Load(); n != 4 {
		t.Fatalf("%d operation contexts collected, want 4 (the leader's runs the group)", n)
	}
}
