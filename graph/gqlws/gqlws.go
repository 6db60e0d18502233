// Package gqlws serves GraphQL over websockets (graphql-transport-ws and the legacy
// graphql-ws protocol) on gorilla/websocket, built for many long-lived subscriptions:
//
//   - An idle connection holds one goroutine (its reader) and no write buffer; a writer
//     goroutine exists only while messages wait to be sent.
//   - Every connection has a bounded send queue. A client that falls too far behind is
//     disconnected with close code 1008 and a reason; the fan-out never waits for it.
//   - Subscriptions whose resolver calls Share are executed once per (audience,
//     operation, variables): each event is encoded once and the same bytes are written
//     to every subscriber of the group.
package gqlws

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"

	"backbone/internal/errs"
)

// Subprotocols are the GraphQL websocket subprotocols, the preferred one first.
var Subprotocols = []string{protoTransportWS, protoGraphQLWS}

// InitPayload is the payload of connection_init.
type InitPayload = transport.InitPayload

// InitFunc authenticates a connection from its connection_init payload and returns the
// context its operations run in. An error refuses the connection: with the code and
// reason of a *CloseError, otherwise 4403 and the error's text. The context it is given
// can be passed to Close later, to end the connection (a token that expires).
type InitFunc func(ctx context.Context, payload InitPayload) (context.Context, error)

// Config configures a Server; zero values take the defaults.
type Config struct {
	// CheckOrigin refuses cross-site upgrades; nil admits only same-origin browsers and
	// clients without an Origin header (see AllowOrigins).
	CheckOrigin func(r *http.Request) bool
	InitFunc    InitFunc
	// InitTimeout closes (4408) a connection that sends no connection_init (default 10 s).
	InitTimeout time.Duration
	// KeepAlive is how often an idle connection gets a ping (graphql-transport-ws) or a
	// ka (graphql-ws) message (default 15 s).
	KeepAlive time.Duration
	// WriteTimeout bounds one message write (default 10 s).
	WriteTimeout time.Duration
	// DrainTimeout bounds how long a connection closing with CloseAfterOperations waits
	// for its queries and mutations (default 5 s).
	DrainTimeout time.Duration
	// SendQueue is how many messages may wait for a slow client before it is
	// disconnected (default 256); SendQueueBytes bounds their size (default 8 MiB).
	SendQueue      int
	SendQueueBytes int
	// MaxOperations limits the operations running at once on one connection (default 100).
	MaxOperations int
	// ReadLimit caps a client message (default 1 MiB).
	ReadLimit int64
	// MaxConnsPerUser limits the open connections of one user (UserKey); 0: no limit.
	MaxConnsPerUser int
	// UserKey names the user of an initialised connection for MaxConnsPerUser; "" is
	// anonymous.
	UserKey func(ctx context.Context) string
	// Limits bound the connections by address and in total (see Limits).
	Limits Limits
	// Handshakes bounds the upgrades an address may start (see HandshakeLimit).
	Handshakes HandshakeLimit
	// ClientIP names the address a request comes from, for Limits.PerIP,
	// Limits.AnonymousPerIP and Handshakes (default: the peer's address). The limits
	// count an IPv6 address by its /64 (ratelimit.AddressKey).
	ClientIP func(r *http.Request) string
	// RefuseAnonymous closes (4401) a connection that connection_init leaves anonymous:
	// for a schema with no subscription open to anonymous callers, such a socket has
	// nothing to wait for.
	RefuseAnonymous bool
	// OnConnect is called for every initialised connection; release runs when it closes.
	OnConnect func(ctx context.Context) (release func())
	Log       *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.InitTimeout <= 0 {
		c.InitTimeout = 10 * time.Second
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = 10 * time.Second
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 5 * time.Second
	}
	if c.SendQueue <= 0 {
		c.SendQueue = 256
	}
	if c.SendQueueBytes <= 0 {
		c.SendQueueBytes = 8 << 20
	}
	if c.MaxOperations <= 0 {
		c.MaxOperations = 100
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = 1 << 20
	}
	if c.UserKey == nil {
		c.UserKey = func(context.Context) string { return "" }
	}
	if c.ClientIP == nil {
		c.ClientIP = peerIP
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return c
}

// handshakeBufferPool lends gorilla its write buffer; it writes nothing after the
// handshake (see send.go).
var handshakeBufferPool = &sync.Pool{}

// Server is a gqlgen transport (add it with handler.Server.AddTransport). Call Shutdown
// when the HTTP server shuts down: hijacked connections are not closed by it.
type Server struct {
	cfg      Config
	upgrader websocket.Upgrader

	admission *admission

	mu       sync.Mutex
	conns    map[*conn]struct{}
	streams  map[*slot]func() // Reserve's, with what ends each at Shutdown
	groups   map[string]*group
	draining bool
	kaOnce   sync.Once
	kaStop   chan struct{}
	wg       sync.WaitGroup

	sent       atomic.Int64 // messages written
	slowClosed atomic.Int64 // connections closed for a full send queue
}

var _ graphql.Transport = (*Server)(nil)

// New returns a Server.
func New(cfg Config) *Server {
	cfg = cfg.withDefaults()
	return &Server{
		cfg: cfg,
		upgrader: websocket.Upgrader{
			HandshakeTimeout: 10 * time.Second,
			ReadBufferSize:   1024,
			WriteBufferPool:  handshakeBufferPool, // gorilla writes only the handshake
			Subprotocols:     slices.Clone(Subprotocols),
			CheckOrigin:      cfg.CheckOrigin,
			Error:            refuseUpgrade,
		},
		admission: newAdmission(cfg.Limits, cfg.MaxConnsPerUser),
		conns:     make(map[*conn]struct{}),
		streams:   make(map[*slot]func()),
		groups:    make(map[string]*group),
		kaStop:    make(chan struct{}),
	}
}

// Supports claims websocket upgrade requests.
func (s *Server) Supports(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do upgrades the request and serves the connection until it closes.
func (s *Server) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if s.isDraining() {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write(codedErrorBody("server is shutting down", errs.Unavailable))
		return
	}
	if !s.admitHandshake(w, r) {
		return
	}
	// Counted from the upgrade: a socket that never sends connection_init holds a file
	// descriptor too. A refusal is a close frame, which browsers see (a refused upgrade
	// shows them no status).
	sl, refused := s.admission.open(s.clientAddress(r), "")
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		if sl != nil {
			s.admission.release(sl)
		}
		return // the upgrader has answered
	}
	if refused != nil {
		refuseSocket(ws, refused.Code, refused.Reason)
		return
	}
	c := newConn(s, ws, r, exec)
	c.slot = sl
	if !s.register(c) {
		s.admission.release(sl)
		refuseSocket(ws, websocket.CloseGoingAway, "server shutting down")
		return
	}
	s.kaOnce.Do(func() { go s.keepAlive() })
	// A fresh goroutine reads: the handler's goroutine, deep in the middleware chain,
	// returns, and with it the HTTP server's per-request buffers.
	go func() {
		defer s.unregister(c)
		c.serve()
	}()
}

// idleTimeout is how long an initialised connection may stay silent, pongs included:
// two and a half keep-alive rounds.
func (s *Server) idleTimeout() time.Duration { return 5 * s.cfg.KeepAlive / 2 }

// Shutdown closes every connection with 1001, ends the streams reserved with Reserve,
// and waits until the connections are gone or ctx ends.
func (s *Server) Shutdown(ctx context.Context) {
	s.mu.Lock()
	if !s.draining {
		s.draining = true
		close(s.kaStop)
	}
	all := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		all = append(all, c)
	}
	ends := make([]func(), 0, len(s.streams))
	for _, end := range s.streams {
		ends = append(ends, end)
	}
	s.mu.Unlock()
	for _, c := range all {
		c.close(websocket.CloseGoingAway, "server shutting down")
	}
	for _, end := range ends {
		end()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func (s *Server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

func (s *Server) register(c *conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) unregister(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	s.admission.release(c.slot)
	s.wg.Done()
}

// Reserve counts a stream held by another transport (server-sent events) against the
// same limits as the websockets: Limits, and MaxConnsPerUser for a user ("": anonymous).
// Shutdown calls end (when not nil), as it closes the websockets: the HTTP server's own
// shutdown waits for a stream, and never ends it. release gives the slot back. The error
// is a *CloseError whose code says what refused it: CloseServerBusy for Limits.Total,
// CloseTooManyConnections for the other limits, 1001 (going away) once Shutdown began.
func (s *Server) Reserve(r *http.Request, user string, end func()) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return nil, &CloseError{Code: websocket.CloseGoingAway, Reason: "server shutting down"}
	}
	sl, refused := s.admission.open(s.clientAddress(r), user)
	if refused != nil {
		return nil, refused
	}
	if end == nil {
		end = func() {}
	}
	s.streams[sl] = end
	return func() {
		s.mu.Lock()
		delete(s.streams, sl)
		s.mu.Unlock()
		s.admission.release(sl)
	}, nil
}

// refuseSocket closes a socket that is not served: the close frame, then up to a second
// for the client's own, so that the frame is read before the socket goes (closing a
// socket with unread input resets the connection, and the client may lose the frame).
func refuseSocket(ws *websocket.Conn, code int, reason string) {
	deadline := time.Now().Add(time.Second)
	_ = ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(code, reason), deadline)
	ws.SetReadLimit(4 << 10)
	_ = ws.SetReadDeadline(deadline)
	for {
		if _, _, err := ws.NextReader(); err != nil {
			break
		}
	}
	_ = ws.Close()
}

// keepAlive pings every initialised connection each KeepAlive, from one goroutine for
// all of them.
func (s *Server) keepAlive() {
	t := time.NewTicker(s.cfg.KeepAlive)
	defer t.Stop()
	for {
		select {
		case <-s.kaStop:
			return
		case <-t.C:
		}
		s.mu.Lock()
		all := make([]*conn, 0, len(s.conns))
		for c := range s.conns {
			all = append(all, c)
		}
		s.mu.Unlock()
		for _, c := range all {
			c.keepAlive()
		}
	}
}

// refuseUpgrade answers a refused handshake (a foreign origin, a bad handshake) with a
// GraphQL-shaped JSON error.
func refuseUpgrade(w http.ResponseWriter, r *http.Request, status int, reason error) {
	msg := reason.Error()
	if status == http.StatusForbidden && strings.Contains(msg, "origin not allowed") {
		// gorilla's own words name its Upgrader; the operator needs the setting.
		msg = "websocket: origin " + strconv.Quote(r.Header.Get("Origin")) + " is not allowed: add it to the server's CORS_ORIGINS"
	}
	code := errs.BadRequest
	switch {
	case status == http.StatusForbidden:
		code = errs.Forbidden
	case status == http.StatusMethodNotAllowed:
		code = errs.MethodNotAllowed
	case status >= 500: // the connection cannot be taken over, say
		code = errs.Internal
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Sec-Websocket-Version", "13")
	w.WriteHeader(status)
	_, _ = w.Write(codedErrorBody(msg, code))
}
