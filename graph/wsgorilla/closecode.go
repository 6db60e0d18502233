package wsgorilla

import (
	"context"
	"sync"
)

// CloseCode lets the server choose, while a connection is open, the code and reason its
// close frame will carry. gqlgen closes a socket whose context ends with 1000 "terminated";
// a socket closed because its session was revoked should say so (4403), so that a client
// can tell "signed out" from "server restarting".
type CloseCode struct {
	mu     sync.Mutex
	code   int
	reason string
}

// Set records the code and reason for the close frame to come; the first Set wins.
func (c *CloseCode) Set(code int, reason string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.code == 0 {
		c.code, c.reason = code, reason
	}
}

func (c *CloseCode) get() (int, string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.code, c.reason, c.code != 0
}

type closeCodeKey struct{}

// WithCloseCode returns a request context carrying a CloseCode that the connection
// accepted from that request will honour.
func WithCloseCode(ctx context.Context) context.Context {
	return context.WithValue(ctx, closeCodeKey{}, &CloseCode{})
}

// CloseCodeFrom returns the CloseCode of a connection's context, or nil.
func CloseCodeFrom(ctx context.Context) *CloseCode {
	c, _ := ctx.Value(closeCodeKey{}).(*CloseCode)
	return c
}
