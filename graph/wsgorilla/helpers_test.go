package wsgorilla_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/testserver"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// newGQLServer runs gqlgen's test schema with ws as its only transport.
func newGQLServer(tb testing.TB, ws transport.Websocket) (*httptest.Server, *testserver.TestServer) {
	tb.Helper()
	ts := testserver.New()
	ts.AddTransport(ws)
	srv := httptest.NewServer(ts)
	tb.Cleanup(srv.Close)
	return srv, ts
}

// dial opens a client connection offering subprotocol ("" offers none).
func dial(tb testing.TB, srv *httptest.Server, subprotocol string, header http.Header) (*websocket.Conn, *http.Response, error) {
	tb.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	if subprotocol != "" {
		d.Subprotocols = []string{subprotocol}
	}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), header)
	if res != nil && res.Body != nil {
		res.Body.Close()
	}
	if conn != nil {
		tb.Cleanup(func() { conn.Close() })
		// A safety net against a hung test, not an assertion on speed.
		_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	}
	return conn, res, err
}

// msg is a message of either GraphQL websocket protocol.
type msg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

func send(tb testing.TB, c *websocket.Conn, m msg) {
	tb.Helper()
	if err := c.WriteJSON(m); err != nil {
		tb.Fatalf("write %s: %v", m.Type, err)
	}
}

// next reads the next message, skipping graphql-ws keep-alives.
func next(tb testing.TB, c *websocket.Conn) msg {
	tb.Helper()
	for {
		var m msg
		if err := c.ReadJSON(&m); err != nil {
			tb.Fatalf("read: %v", err)
		}
		if m.Type != "ka" {
			return m
		}
	}
}

// closeCode reads until the server's close frame and returns its code and text.
func closeCode(tb testing.TB, c *websocket.Conn) (int, string) {
	tb.Helper()
	for {
		_, _, err := c.ReadMessage()
		if err == nil {
			continue
		}
		var ce *websocket.CloseError
		if !errors.As(err, &ce) {
			tb.Fatalf("read: %v, want a close frame", err)
		}
		return ce.Code, ce.Text
	}
}
