// Package wsgorilla runs gqlgen's websocket transport over github.com/gorilla/websocket.
package wsgorilla

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
)

// Subprotocols are the GraphQL websocket subprotocols, in the order the server prefers
// them when a client offers both.
var Subprotocols = []string{"graphql-transport-ws", "graphql-ws"}

// writeBufferPool is shared by every Implementation built by New: idle subscriptions
// then hold no write buffer between messages.
var writeBufferPool = &sync.Pool{}

// Implementation is a transport.WebsocketImplementation over a gorilla Upgrader. Set it as
// transport.Websocket{Implementation: ...}. The zero value works; New gives tuned defaults.
type Implementation struct {
	// Upgrader accepts the connection. Its Subprotocols, if any, come first; gqlgen's are
	// appended. A nil CheckOrigin is gorilla's same-origin check.
	Upgrader websocket.Upgrader
	// WriteTimeout bounds the write of a close frame; zero means 5 seconds.
	WriteTimeout time.Duration
}

var _ transport.WebsocketImplementation = Implementation{}

// New returns an Implementation with 1 KiB buffers, a shared write buffer pool, a 10 s
// handshake timeout, both GraphQL subprotocols, a refusal that leaves the body to gqlgen,
// and checkOrigin (nil: same origin only; see AllowOrigins).
func New(checkOrigin func(r *http.Request) bool) Implementation {
	return Implementation{Upgrader: websocket.Upgrader{
		HandshakeTimeout: 10 * time.Second,
		ReadBufferSize:   1024,
		WriteBufferSize:  1024,
		WriteBufferPool:  writeBufferPool,
		Subprotocols:     slices.Clone(Subprotocols),
		CheckOrigin:      checkOrigin,
		Error:            writeStatus,
	}}
}

// writeStatus answers a refused handshake with its status only: gqlgen's transport then
// writes its own JSON error body, which would otherwise follow gorilla's text one.
func writeStatus(w http.ResponseWriter, _ *http.Request, status int, _ error) {
	w.Header().Set("Sec-Websocket-Version", "13")
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
}

// Accept upgrades the request. On failure gorilla has already answered (403 for a refused
// origin, 400 for a bad handshake).
func (i Implementation) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	u := i.Upgrader
	u.Subprotocols = slices.Clone(u.Subprotocols)
	for _, p := range opts.Subprotocols {
		if !slices.Contains(u.Subprotocols, p) {
			u.Subprotocols = append(u.Subprotocols, p)
		}
	}
	conn, err := u.Upgrade(w, r, opts.ResponseHeader)
	if err != nil {
		return nil, err
	}
	timeout := i.WriteTimeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	return &Conn{ws: conn, writeTimeout: timeout, closeCode: CloseCodeFrom(r.Context())}, nil
}

// Conn adapts a gorilla connection to transport.WebsocketConn, with the optional read
// limit and read deadline interfaces.
type Conn struct {
	ws           *websocket.Conn
	writeTimeout time.Duration
	closeCode    *CloseCode // may override the code of the close frame
	mu           sync.Mutex // gorilla allows one writer at a time
}

var (
	_ transport.WebsocketConn          = (*Conn)(nil)
	_ transport.WebsocketReadLimiter   = (*Conn)(nil)
	_ transport.WebsocketReadDeadliner = (*Conn)(nil)
)

// NextReader returns the next message. A normal close by the peer (1000, 1001 or no
// status) is transport.ErrWebsocketClosed, which gqlgen does not report as an error.
func (c *Conn) NextReader() (int, io.Reader, error) {
	t, r, err := c.ws.NextReader()
	if websocket.IsCloseError(err, websocket.CloseNormalClosure, websocket.CloseGoingAway, websocket.CloseNoStatusReceived) {
		return t, nil, transport.ErrWebsocketClosed
	}
	return t, r, err
}

// WriteJSON writes v as one text message.
func (c *Conn) WriteJSON(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ws.WriteJSON(v)
}

// WriteClose sends a close frame with code and message (cut to the 123 bytes a control
// frame allows). It does not wait for the peer's reply; gqlgen calls Close next.
func (c *Conn) WriteClose(code int, message string) error {
	if c.closeCode != nil {
		if oc, om, ok := c.closeCode.get(); ok {
			code, message = oc, om
		}
	}
	msg := websocket.FormatCloseMessage(code, truncate(message, 123))
	err := c.ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(c.writeTimeout))
	if errors.Is(err, websocket.ErrCloseSent) {
		return nil
	}
	return err
}

// Close closes the network connection without a close frame.
func (c *Conn) Close() error { return c.ws.Close() }

// Subprotocol is the negotiated subprotocol, "" when none was.
func (c *Conn) Subprotocol() string { return c.ws.Subprotocol() }

// SetReadLimit caps the size of a message read from the client.
func (c *Conn) SetReadLimit(limit int64) { c.ws.SetReadLimit(limit) }

// SetReadDeadline sets the deadline of the next reads; zero clears it.
func (c *Conn) SetReadDeadline(t time.Time) error { return c.ws.SetReadDeadline(t) }

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
