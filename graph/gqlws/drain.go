package gqlws

import (
	"context"
	"time"
)

// pendingClose is the close a draining connection sends once its operations are done.
type pendingClose struct {
	code   int
	reason string
	timer  *time.Timer
}

// CloseAfterOperations ends the connection whose context is ctx, as Close does, once
// the queries and mutations running on it have sent their results (at most Config.DrainTimeout):
// a logout sent over the socket gets its answer before the socket closes for the
// session it ended. Its subscriptions stop at once and it starts no new operation. It
// reports false when ctx belongs to no websocket.
func CloseAfterOperations(ctx context.Context, code int, reason string) bool {
	c, _ := ctx.Value(connKey{}).(*conn)
	if c == nil {
		return false
	}
	c.drain(code, reason)
	return true
}

// drain starts a CloseAfterOperations.
func (c *conn) drain(code int, reason string) {
	c.mu.Lock()
	if c.closing || c.draining != nil {
		c.mu.Unlock()
		return
	}
	c.draining = &pendingClose{code: code, reason: reason}
	var subscriptions []*operation
	for id, op := range c.ops {
		if op.subscription {
			subscriptions = append(subscriptions, op)
			delete(c.ops, id)
		}
	}
	c.draining.timer = time.AfterFunc(c.srv.cfg.DrainTimeout, func() { c.close(code, reason) })
	c.mu.Unlock()
	for _, op := range subscriptions {
		op.end()
	}
	c.closeIfDrained()
}

// closeIfDrained sends a draining connection's close once no operation runs on it.
func (c *conn) closeIfDrained() {
	c.mu.Lock()
	d := c.draining
	done := d != nil && len(c.ops) == 0
	c.mu.Unlock()
	if done {
		d.timer.Stop()
		c.close(d.code, d.reason)
	}
}

// markSubscription records that op is a subscription, which a draining connection does
// not wait for; false when the connection is draining, and op must not start.
func (c *conn) markSubscription(op *operation) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	op.subscription = true
	return c.draining == nil
}
