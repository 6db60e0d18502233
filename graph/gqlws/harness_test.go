package gqlws_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/gorilla/websocket"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"backbone/graph/gqlws"
)

// The test schema: hello answers with the connection's user; ticks(topic, pad) streams
// the broker's values for topic. Topics starting with "shared" call Share, "latest" also
// asks for ReplayLatest; others run per subscriber. pad adds that many bytes per event.
// A value of -1 makes the execution panic.
var testSchema = gqlparser.MustLoadSchema(&ast.Source{Input: `
	type Query { hello: String! }
	type Subscription { ticks(topic: String!, pad: Int): Int! }
`})

type userKey struct{}

// broker hands values to the executions listening on a topic.
type broker struct {
	mu   sync.Mutex
	subs map[string]map[chan int]struct{}
	// collected counts the operation contexts of executions of topic "shared-gc" that
	// the garbage collector freed.
	collected atomic.Int64
}

func newBroker() *broker { return &broker{subs: map[string]map[chan int]struct{}{}} }

func (b *broker) listen(ctx context.Context, topic string) <-chan int {
	ch := make(chan int, 4096)
	b.mu.Lock()
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan int]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	b.mu.Unlock()
	context.AfterFunc(ctx, func() {
		b.mu.Lock()
		delete(b.subs[topic], ch)
		b.mu.Unlock()
	})
	return ch
}

// publish offers v to every execution on topic and returns how many there are.
func (b *broker) publish(topic string, v int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[topic] {
		ch <- v
	}
	return len(b.subs[topic])
}

func (b *broker) count(topic string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.subs[topic])
}

// end closes the topic's streams, as a resolver ending its subscription.
func (b *broker) end(topic string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.subs[topic] {
		close(ch)
	}
	delete(b.subs, topic)
}

// schema is the test schema executed over b. (Not gqlgen's ExecutableSchemaMock: it
// records every call's context, and so keeps every execution alive.)
func (b *broker) schema() graphql.ExecutableSchema { return testExecutable{b} }

type testExecutable struct{ b *broker }

func (testExecutable) Schema() *ast.Schema { return testSchema }

func (testExecutable) Complexity(context.Context, string, string, int, map[string]any) (int, bool) {
	return 1, true
}

func (e testExecutable) Exec(ctx context.Context) graphql.ResponseHandler {
	b := e.b
	op := graphql.GetOperationContext(ctx)
	if op.Operation.Operation != ast.Subscription {
		user, _ := ctx.Value(userKey{}).(string)
		data, _ := json.Marshal(map[string]string{"hello": user})
		return graphql.OneShot(&graphql.Response{Data: data})
	}
	args := op.Operation.SelectionSet[0].(*ast.Field).ArgumentMap(op.Variables)
	topic, _ := args["topic"].(string)
	pad := 0
	if p, ok := args["pad"].(int64); ok {
		pad = int(p)
	}
	if topic == "shared-gc" {
		runtime.AddCleanup(op, func(n *atomic.Int64) { n.Add(1) }, &b.collected)
	}
	switch {
	case strings.HasPrefix(topic, "shared"):
		gqlws.Share(ctx, "topic:"+topic)
	case strings.HasPrefix(topic, "latest"):
		gqlws.Share(ctx, "topic:"+topic, gqlws.ReplayLatest())
	}
	ch := b.listen(ctx, topic)
	return func(ctx context.Context) *graphql.Response {
		select {
		case v, ok := <-ch:
			if !ok {
				return nil
			}
			if v == -1 {
				panic("boom: the test schema fails on a tick of -1")
			}
			return &graphql.Response{Data: fmt.Appendf(nil, `{"ticks":%d,"pad":%q}`, v, strings.Repeat("x", pad))}
		case <-ctx.Done():
			return nil
		}
	}
}

// newTestServer serves the test schema through a gqlws.Server configured by cfg. The
// connection_init payload's "user" becomes the user (and UserKey), "deny" refuses it.
func newTestServer(t *testing.T, cfg gqlws.Config) (*broker, *gqlws.Server, *httptest.Server) {
	t.Helper()
	b := newBroker()
	if cfg.InitFunc == nil {
		cfg.InitFunc = func(ctx context.Context, p gqlws.InitPayload) (context.Context, error) {
			if p["deny"] != nil {
				return nil, errors.New("denied by the test")
			}
			user, _ := p["user"].(string)
			return context.WithValue(ctx, userKey{}, user), nil
		}
	}
	if cfg.UserKey == nil {
		cfg.UserKey = func(ctx context.Context) string { s, _ := ctx.Value(userKey{}).(string); return s }
	}
	ws := gqlws.New(cfg)
	srv := handler.New(b.schema())
	srv.AddTransport(ws)
	ts := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws.Shutdown(ctx)
		ts.Close()
	})
	return b, ws, ts
}

// msg is a message of either protocol.
type msg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

type client struct {
	t    *testing.T
	conn *websocket.Conn
}

// dial opens a connection with subprotocol ("" offers none) and header.
func dial(t *testing.T, ts *httptest.Server, subprotocol string, header http.Header) (*client, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	if subprotocol != "" {
		d.Subprotocols = []string{subprotocol}
	}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(ts.URL, "http"), header)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if err != nil {
		return nil, res, err
	}
	t.Cleanup(func() { conn.Close() })
	return &client{t: t, conn: conn}, res, nil
}

// connect dials and initialises as user, requiring connection_ack.
func connect(t *testing.T, ts *httptest.Server, subprotocol, user string) *client {
	t.Helper()
	c, _, err := dial(t, ts, subprotocol, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"user": user})})
	if m := c.next(); m.Type != "connection_ack" {
		t.Fatalf("want connection_ack, got %+v", m)
	}
	return c
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func (c *client) send(m msg) {
	c.t.Helper()
	if err := c.conn.WriteJSON(m); err != nil {
		c.t.Fatalf("write %s: %v", m.Type, err)
	}
}

// subscribe starts operation id with the given query and variables.
func (c *client) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	typ := "subscribe"
	if c.conn.Subprotocol() != "graphql-transport-ws" {
		typ = "start"
	}
	c.send(msg{ID: id, Type: typ, Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// next reads the next message that is not a keep-alive; the deadline only guards
// against a hung test.
func (c *client) next() msg {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second)) // for all the keep-alives skipped too
	for {
		var m msg
		if err := c.conn.ReadJSON(&m); err != nil {
			c.t.Fatalf("read: %v", err)
		}
		if m.Type != "ka" && m.Type != "ping" {
			return m
		}
	}
}

// closed reads until the server's close frame and returns it.
func (c *client) closed() *websocket.CloseError {
	c.t.Helper()
	// One deadline for the whole wait: a connection that stays open but keeps sending (an
	// error message, keep-alive pings) must not keep the test waiting.
	_ = c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		_, _, err := c.conn.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			c.t.Fatalf("read: %v, want a close frame", err)
		}
		return ce
	}
}

// eventually polls cond for up to 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const ticksQuery = `subscription($topic: String!, $pad: Int) { ticks(topic: $topic, pad: $pad) }`

// tick returns the value of a next/data message for ticks.
func tick(t *testing.T, m msg) int {
	t.Helper()
	var p struct {
		Data   struct{ Ticks int } `json:"data"`
		Errors []any               `json:"errors"`
	}
	if (m.Type != "next" && m.Type != "data") || json.Unmarshal(m.Payload, &p) != nil || len(p.Errors) > 0 {
		t.Fatalf("want a ticks event, got %s %s", m.Type, m.Payload)
	}
	return p.Data.Ticks
}

// waitShared waits until n subscriptions are members of shared executions: a subscribe
// message is handled asynchronously, so a count of executions alone can be reached
// before every member has joined.
func waitShared(t *testing.T, ws *gqlws.Server, n int) {
	t.Helper()
	eventually(t, fmt.Sprintf("%d shared subscribers", n), func() bool {
		reg := prometheus.NewRegistry()
		if err := ws.Register(reg); err != nil {
			t.Fatal(err)
		}
		families, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range families {
			if f.GetName() == "websocket_shared_subscribers" {
				return int(f.GetMetric()[0].GetGauge().GetValue()) == n
			}
		}
		return false
	})
}

// acked opens a connection as user and reports whether it was acknowledged.
func acked(t *testing.T, ts *httptest.Server, user string) bool {
	t.Helper()
	c, _, err := dial(t, ts, "graphql-transport-ws", nil)
	if err != nil {
		return false
	}
	c.send(msg{Type: "connection_init", Payload: mustJSON(map[string]any{"user": user})})
	var m msg
	_ = c.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	return c.conn.ReadJSON(&m) == nil && m.Type == "connection_ack"
}
