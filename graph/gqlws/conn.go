package gqlws

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/gorilla/websocket"
)

// conn is one websocket connection. Its reader runs in its own goroutine; see send.go
// for the writing side.
type conn struct {
	srv     *Server
	ws      *websocket.Conn // reads only
	netConn net.Conn
	raw     syscall.RawConn // for non-blocking writes; nil when the connection is not TCP
	proto   protocol
	exec    graphql.GraphExecutor
	ctx     context.Context // the request's values, then InitFunc's; ended when the connection closes
	cancel  context.CancelFunc
	slot    *slot // its place in the connection limits

	mu          sync.Mutex
	pending     []byte   // the end of a frame the socket did not take at once
	queue       [][]byte // whole frames waiting behind it
	queued      int      // their bytes
	writing     bool     // the writer goroutine owns the socket
	writerDone  chan struct{}
	closing     bool          // nothing more is accepted
	draining    *pendingClose // CloseAfterOperations: no new operation starts
	closeQueued bool          // a close frame is queued or written
	acked       bool
	ops         map[string]*operation
	release     func() // from OnConnect
}

type connKey struct{}

func newConn(s *Server, ws *websocket.Conn, r *http.Request, exec graphql.GraphExecutor) *conn {
	// The upgrade request's headers are not kept (operations see none): what matters of
	// them, the caller and the request id, travels in the context, and an idle
	// connection is cheaper without them.
	c := &conn{srv: s, ws: ws, netConn: ws.NetConn(), proto: protocolOf(ws.Subprotocol()), exec: exec,
		ops: make(map[string]*operation)}
	if tc, ok := c.netConn.(*net.TCPConn); ok {
		c.raw, _ = tc.SyscallConn()
	}
	// The request's context ends when its handler returns, which Do does at once: the
	// connection keeps its values (the caller, the request id) but not its end.
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	c.ctx, c.cancel = context.WithValue(ctx, connKey{}, c), cancel
	// Control frames are answered through the same writer as everything else.
	ws.SetPingHandler(func(data string) error { c.control(opPong, []byte(data)); return nil })
	ws.SetCloseHandler(func(code int, _ string) error {
		if code == websocket.CloseNoStatusReceived {
			code = websocket.CloseNormalClosure
		}
		c.close(code, "")
		return nil
	})
	return c
}

// control sends a control frame unless the connection is closing.
func (c *conn) control(op int, payload []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closing {
		scratch := scratchPool.Get().(*[]byte)
		c.pushLocked(scratch, op, payload)
		scratchPool.Put(scratch)
	}
}

// Close ends the connection whose context (from InitFunc, or of any operation on it) is
// ctx, with code and reason. It reports false when ctx belongs to no websocket.
func Close(ctx context.Context, code int, reason string) bool {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil {
		return false
	}
	c.close(code, reason)
	return true
}

// serve reads client messages until the connection ends.
func (c *conn) serve() {
	defer c.teardown()
	defer c.recoverPanic("reader")
	_ = c.ws.SetReadDeadline(time.Now().Add(c.srv.cfg.InitTimeout))
	c.ws.SetPongHandler(func(string) error { c.touch(); return nil })
	for {
		data, err := c.read()
		if err != nil {
			c.readFailed(err)
			return
		}
		c.touch()
		var m inbound
		if err := json.Unmarshal(data, &m); err != nil {
			c.protocolError("invalid message: " + err.Error())
			return
		}
		if !c.handle(m) {
			return
		}
	}
}

// errTooBig is a client message over ReadLimit.
var errTooBig = errors.New("message too big")

// read returns the next message. The size limit is enforced here rather than by
// gorilla, which would write its own close frame past the connection's writer.
func (c *conn) read() ([]byte, error) {
	_, r, err := c.ws.NextReader()
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r, c.srv.cfg.ReadLimit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > c.srv.cfg.ReadLimit {
		return nil, errTooBig
	}
	return data, nil
}

// touch pushes back the moment an initialised connection that has said nothing (no
// message, no pong to the pings of keepAlive) counts as gone.
func (c *conn) touch() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.acked && !c.closing {
		_ = c.netConn.SetReadDeadline(time.Now().Add(c.srv.idleTimeout()))
	}
}

// recoverPanic turns a panic on one of the connection's goroutines (a hook such as
// InitFunc or OnConnect) into a logged 4500 close instead of a crashed server.
func (c *conn) recoverPanic(where string) {
	if r := recover(); r != nil {
		c.srv.cfg.Log.Error("websocket: panic", "in", where, "panic", fmt.Sprint(r))
		c.close(CloseInternalError, "internal server error")
	}
}

// readFailed closes after a read error: the init timeout, an oversized message, or the
// client going away.
func (c *conn) readFailed(err error) {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout() && !c.isAcked():
		c.close(CloseInitTimeout, "Connection initialisation timeout")
	case errors.Is(err, errTooBig):
		c.close(websocket.CloseMessageTooBig, fmt.Sprintf("message larger than %d bytes", c.srv.cfg.ReadLimit))
	default:
		c.abandon()
	}
}

// handle acts on one client message; false ends the reading.
func (c *conn) handle(m inbound) bool {
	switch m.Type {
	case "connection_init":
		// InitFunc and OnConnect may go deep (token checks, a database read): they run
		// on a short-lived goroutine so that the reader's stack, kept for the
		// connection's whole life, stays small.
		done := make(chan bool, 1)
		go func() {
			ok := false
			defer func() { done <- ok }()
			defer c.recoverPanic("connection_init")
			ok = c.init(m.Payload)
		}()
		return <-done
	case "ping":
		if !c.proto.legacy {
			c.send(withPayloadOrPlain("", "pong", m.Payload))
		}
	case "pong":
	case c.proto.subscribe:
		if !c.isAcked() {
			c.close(CloseUnauthorized, "Unauthorized")
			return false
		}
		if m.ID == "" || len(m.ID) > maxIDLength {
			c.protocolError(fmt.Sprintf("an operation id must have 1 to %d bytes", maxIDLength))
			return false
		}
		if p := bytes.TrimSpace(m.Payload); len(p) == 0 || p[0] != '{' {
			// The protocol requires the payload, an object; without one the message is
			// malformed, not an operation that failed.
			c.protocolError(m.Type + " needs a payload object: {\"query\": ...}")
			return false
		}
		if !c.start(m.ID, m.Payload) {
			c.close(CloseSubscriberExists, "Subscriber for "+m.ID+" already exists")
			return false
		}
	case c.proto.stop:
		c.stop(m.ID)
	case "connection_terminate":
		if c.proto.legacy {
			c.close(websocket.CloseNormalClosure, "terminated")
			return false
		}
		fallthrough
	default:
		c.protocolError(fmt.Sprintf("unexpected message type %q", m.Type))
		return false
	}
	return true
}

// protocolError closes the connection with 4400 (the legacy protocol hears why in a
// connection_error first: see close).
func (c *conn) protocolError(reason string) { c.close(CloseBadRequest, reason) }

// init runs InitFunc and the per-user limit (or refuses an anonymous connection when
// told to), then acknowledges.
func (c *conn) init(payload json.RawMessage) bool {
	if c.isAcked() {
		c.close(CloseTooManyInitRequests, "Too many initialisation requests")
		return false
	}
	var p InitPayload
	if len(payload) > 0 && string(payload) != "null" {
		if err := json.Unmarshal(payload, &p); err != nil {
			c.protocolError("connection_init payload is not an object")
			return false
		}
	}
	ctx := c.ctx
	if f := c.srv.cfg.InitFunc; f != nil {
		var err error
		if ctx, err = f(c.ctx, p); err != nil {
			code, reason := CloseForbidden, err.Error()
			var ce *CloseError
			if errors.As(err, &ce) {
				code, reason = ce.Code, ce.Reason
			}
			c.refuse(code, reason)
			return false
		}
	}
	if user := c.srv.cfg.UserKey(ctx); user != "" {
		if refused := c.srv.admission.signIn(c.slot, user); refused != nil {
			c.refuse(refused.Code, refused.Reason)
			return false
		}
	} else if c.srv.cfg.RefuseAnonymous {
		refused := c.srv.admission.refuseAnonymous()
		c.refuse(refused.Code, refused.Reason)
		return false
	}
	c.mu.Lock()
	if c.closing { // closed (Close, Shutdown) while InitFunc ran
		c.mu.Unlock()
		return false
	}
	c.ctx, c.acked = ctx, true
	c.mu.Unlock()
	c.touch()
	c.send(plain("", "connection_ack"))
	if c.proto.legacy {
		c.send(plain("", "ka"))
	}
	if f := c.srv.cfg.OnConnect; f != nil {
		release := f(ctx)
		c.mu.Lock()
		c.release = release
		c.mu.Unlock()
	}
	return true
}

// refuse closes a connection whose init failed (the legacy protocol hears why in a
// connection_error first: see close).
func (c *conn) refuse(code int, reason string) { c.close(code, reason) }

func (c *conn) isAcked() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.acked
}

// keepAlive queues the protocol's keep-alive message on an initialised connection.
func (c *conn) keepAlive() {
	if !c.isAcked() {
		return
	}
	if c.proto.legacy {
		c.send(kaMessage)
	} else {
		c.send(pingMessage)
	}
	// A websocket ping too: every client answers it (browsers by themselves), which is
	// how a vanished peer is told from an idle one (see touch).
	c.control(opPing, nil)
}

// maxIDLength bounds an operation id, which is echoed in every message of the operation.
const maxIDLength = 128

var (
	kaMessage   = plain("", "ka")
	pingMessage = plain("", "ping")
)

func withPayloadOrPlain(id, typ string, payload json.RawMessage) []byte {
	if len(payload) == 0 {
		return plain(id, typ)
	}
	return withPayload(id, typ, payload)
}

// teardown runs when the reader stops: operations end, the socket closes, hooks run.
func (c *conn) teardown() {
	c.mu.Lock()
	c.closing = true
	ops := c.ops
	c.ops = map[string]*operation{}
	release := c.release
	c.release = nil
	if c.draining != nil {
		c.draining.timer.Stop()
	}
	c.mu.Unlock()
	for _, op := range ops {
		op.end()
	}
	c.cancel()
	if release != nil {
		release()
	}
	// A close frame queued by close() gets WriteTimeout to leave before the socket goes.
	c.waitWriter(c.srv.cfg.WriteTimeout)
	_ = c.netConn.Close()
}
