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
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/gorilla/websocket"
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
	// UserKey names the user of an initialised connection for MaxConnsPerUser; "" is not
	// counted (anonymous).
	UserKey func(ctx context.Context) string
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

	mu       sync.Mutex
	conns    map[*conn]struct{}
	perUser  map[string]int
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
		conns:   make(map[*conn]struct{}),
		perUser: make(map[string]int),
		groups:  make(map[string]*group),
		kaStop:  make(chan struct{}),
	}
}

// Supports claims websocket upgrade requests.
func (s *Server) Supports(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// Do upgrades the request and serves the connection until it closes.
func (s *Server) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	if s.isDraining() {
		http.Error(w, `{"errors":[{"message":"server is shutting down"}]}`, http.StatusServiceUnavailable)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // the upgrader has answered
	}
	c := newConn(s, ws, r, exec)
	if !s.register(c) {
		msg := websocket.FormatCloseMessage(websocket.CloseGoingAway, "server shutting down")
		_ = ws.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		_ = ws.Close()
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

// Shutdown closes every connection with 1001 and waits until they are gone or ctx ends.
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
	s.mu.Unlock()
	for _, c := range all {
		c.close(websocket.CloseGoingAway, "server shutting down")
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
	s.unreserve(c.user)
	s.wg.Done()
}

// admit counts an initialised connection against its user's limit.
func (s *Server) admit(c *conn, user string) (open int, ok bool) {
	open, ok = s.reserve(user)
	if ok {
		c.user = user
	}
	return open, ok
}

// reserve takes one of user's connection slots; "" (anonymous) is not counted.
func (s *Server) reserve(user string) (open int, ok bool) {
	if user == "" {
		return 0, true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	open = s.perUser[user]
	if s.cfg.MaxConnsPerUser > 0 && open >= s.cfg.MaxConnsPerUser {
		return open, false
	}
	s.perUser[user] = open + 1
	return open + 1, true
}

func (s *Server) unreserve(user string) {
	if user == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perUser[user]--; s.perUser[user] <= 0 {
		delete(s.perUser, user)
	}
}

// Reserve counts a stream of user held by another transport (server-sent events)
// against MaxConnsPerUser, with the websockets; release gives the slot back.
func (s *Server) Reserve(user string) (release func(), err error) {
	open, ok := s.reserve(user)
	if !ok {
		return nil, tooManyConnections(open, s.cfg.MaxConnsPerUser)
	}
	var once sync.Once
	return func() { once.Do(func() { s.unreserve(user) }) }, nil
}

func tooManyConnections(open, limit int) error {
	return &CloseError{Code: CloseTooManyConnections,
		Reason: fmt.Sprintf("too many connections: this user has %d open (limit %d)", open, limit)}
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
func refuseUpgrade(w http.ResponseWriter, _ *http.Request, status int, reason error) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Sec-Websocket-Version", "13")
	w.WriteHeader(status)
	_, _ = w.Write(errorBody(reason.Error()))
}
