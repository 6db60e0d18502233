package wsgorilla_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"backbone/graph/wsgorilla"
)

// acceptServer accepts with impl and hands each connection to serve.
func acceptServer(t *testing.T, impl wsgorilla.Implementation, serve func(transport.WebsocketConn)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, err := impl.Accept(w, r, transport.WebsocketAcceptOptions{
			ResponseHeader: http.Header{"X-Test": {"yes"}},
			Subprotocols:   []string{"graphql-ws", "graphql-transport-ws"},
		})
		if err != nil {
			return
		}
		defer conn.Close()
		serve(conn)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestPeerCloseMapping(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		frame      []byte
		wantClosed bool
	}{
		{name: "normal closure", frame: websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"), wantClosed: true},
		{name: "going away", frame: websocket.FormatCloseMessage(websocket.CloseGoingAway, ""), wantClosed: true},
		{name: "no status", frame: []byte{}, wantClosed: true},
		{name: "application code is an error", frame: websocket.FormatCloseMessage(4000, "custom")},
		{name: "protocol error is an error", frame: websocket.FormatCloseMessage(websocket.CloseProtocolError, "")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan error, 1)
			srv := acceptServer(t, wsgorilla.Implementation{}, func(c transport.WebsocketConn) {
				_, _, err := c.NextReader()
				got <- err
			})
			c, _, err := dial(t, srv, "", nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if err := c.WriteControl(websocket.CloseMessage, tc.frame, time.Now().Add(5*time.Second)); err != nil {
				t.Fatal(err)
			}
			err = <-got
			if closed := errors.Is(err, transport.ErrWebsocketClosed); closed != tc.wantClosed || err == nil {
				t.Fatalf("NextReader error = %v, want ErrWebsocketClosed: %v", err, tc.wantClosed)
			}
		})
	}
}

func TestWriteClose(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		code     int
		message  string
		wantText string
	}{
		{name: "code and reason", code: 4403, message: "Forbidden", wantText: "Forbidden"},
		{name: "long reason is cut on a rune boundary", code: 4400, message: strings.Repeat("é", 100)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := acceptServer(t, wsgorilla.New(nil), func(c transport.WebsocketConn) {
				_ = c.WriteClose(tc.code, tc.message)
			})
			c, res, err := dial(t, srv, "", nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			if res.Header.Get("X-Test") != "yes" {
				t.Errorf("response header not passed to the handshake")
			}
			code, text := closeCode(t, c)
			if code != tc.code {
				t.Fatalf("close code = %d, want %d", code, tc.code)
			}
			if len(text) > 123 || !utf8.ValidString(text) {
				t.Fatalf("close text of %d bytes, valid UTF-8 %v", len(text), utf8.ValidString(text))
			}
			if tc.wantText != "" && text != tc.wantText {
				t.Fatalf("close text = %q, want %q", text, tc.wantText)
			}
		})
	}
}

func TestSubprotocolNegotiation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		impl   wsgorilla.Implementation
		offers []string
		want   string
	}{
		{name: "New prefers graphql-transport-ws", impl: wsgorilla.New(nil), offers: []string{"graphql-ws", "graphql-transport-ws"}, want: "graphql-transport-ws"},
		{name: "zero value takes gqlgen's list", impl: wsgorilla.Implementation{}, offers: []string{"graphql-transport-ws"}, want: "graphql-transport-ws"},
		{name: "legacy client", impl: wsgorilla.New(nil), offers: []string{"graphql-ws"}, want: "graphql-ws"},
		{name: "unknown subprotocol negotiates none", impl: wsgorilla.New(nil), offers: []string{"mqtt"}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := make(chan string, 1)
			srv := acceptServer(t, tc.impl, func(c transport.WebsocketConn) { got <- c.Subprotocol() })
			d := websocket.Dialer{Subprotocols: tc.offers}
			c, res, err := d.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			res.Body.Close()
			defer c.Close()
			if s := <-got; s != tc.want || c.Subprotocol() != tc.want {
				t.Fatalf("server %q, client %q, want %q", s, c.Subprotocol(), tc.want)
			}
		})
	}
}
