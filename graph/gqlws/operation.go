package gqlws

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/gqlhttp"
	"backbone/internal/errs"
)

// operation is one subscribe (or start) of a client: a query, a mutation or a
// subscription, running in its own goroutine or as a member of a shared group.
type operation struct {
	c  *conn
	id string

	mu      sync.Mutex
	stopped bool               // nothing more is sent: completed, stopped by the client, or closed
	cancel  context.CancelFunc // ends its own execution (not a group's)
	done    chan struct{}      // closed when stopped (Subscriber)

	member *member // while in a shared group; guarded by Server.mu

	subscription bool // known once the document is parsed; guarded by conn.mu
}

// start runs the operation id of payload; false if the id is already in use. Over
// MaxOperations, the operation is refused with an error message.
func (c *conn) start(id string, payload json.RawMessage) bool {
	c.mu.Lock()
	if c.closing || c.draining != nil {
		c.mu.Unlock()
		return true
	}
	if _, dup := c.ops[id]; dup {
		c.mu.Unlock()
		return false
	}
	if len(c.ops) >= c.srv.cfg.MaxOperations {
		c.mu.Unlock()
		msg := fmt.Sprintf("too many operations on this connection (limit %d): complete some first", c.srv.cfg.MaxOperations)
		b, _ := json.Marshal(gqlerror.List{{Message: msg, Extensions: map[string]any{"code": string(errs.RateLimited)}}})
		c.send(withPayload(id, "error", b))
		return true
	}
	op := &operation{c: c, id: id, done: make(chan struct{})}
	c.ops[id] = op
	c.mu.Unlock()
	go op.run(c.ctx, payload, graphql.Now())
	return true
}

// endWhen takes a group member out of its group and completes it for its client once
// ends closes (the resolver said why: EndsWhen), unless it stopped first; the group's
// execution goes on for the others. A member no longer in a group was completed when the
// group ended.
func (op *operation) endWhen(ends <-chan struct{}) {
	select {
	case <-ends:
	case <-op.done:
		return
	}
	if op.c.srv.leave(op) {
		op.complete()
	}
}

// stop ends the operation id at the client's request.
func (c *conn) stop(id string) {
	c.mu.Lock()
	op := c.ops[id]
	delete(c.ops, id)
	c.mu.Unlock()
	if op != nil {
		op.end()
	}
	c.closeIfDrained()
}

// forget removes a finished operation, so that its id may be used again.
func (c *conn) forget(op *operation) {
	c.mu.Lock()
	if c.ops[op.id] == op {
		delete(c.ops, op.id)
	}
	c.mu.Unlock()
}

// markStopped reports whether this call stopped the operation.
func (op *operation) markStopped() bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	if op.stopped {
		return false
	}
	op.setStopped()
	return true
}

// setStopped marks the operation stopped (op.mu held).
func (op *operation) setStopped() {
	op.stopped = true
	close(op.done)
}

// end stops the operation: it leaves its group or cancels its execution.
func (op *operation) end() {
	if !op.markStopped() {
		return
	}
	if op.c.srv.leave(op) {
		return
	}
	op.mu.Lock()
	cancel := op.cancel
	op.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// setCancel records the execution's cancel; false if the operation already stopped.
func (op *operation) setCancel(cancel context.CancelFunc) bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	op.cancel = cancel
	return !op.stopped
}

func (op *operation) isStopped() bool {
	op.mu.Lock()
	defer op.mu.Unlock()
	return op.stopped
}

// complete tells the client the operation is over, unless it was stopped. The id is
// freed first: a client may reuse it as soon as it reads complete.
func (op *operation) complete() {
	defer op.c.closeIfDrained() // after the message below is queued
	op.mu.Lock()
	defer op.mu.Unlock()
	op.c.forget(op)
	if !op.stopped {
		op.setStopped()
		op.c.send(plain(op.id, "complete"))
	}
}

// fail ends the operation after an error message: nothing follows an error, not even
// complete.
func (op *operation) fail(list gqlerror.List) {
	defer op.c.closeIfDrained() // after the message below is queued
	op.mu.Lock()
	defer op.mu.Unlock()
	op.c.forget(op)
	if !op.stopped {
		op.setStopped()
		op.c.send(withPayload(op.id, "error", encodeErrors(list)))
	}
}

// sendResponse sends a result unless the operation stopped; the check and the send are
// one step, so nothing follows complete.
func (op *operation) sendResponse(resp *graphql.Response) bool {
	b, err := json.Marshal(resp)
	if err != nil {
		op.fail(gqlerror.List{{Message: "the response could not be encoded"}})
		return false
	}
	op.mu.Lock()
	defer op.mu.Unlock()
	return !op.stopped && op.c.send(withPayload(op.id, op.c.proto.next, b))
}

func encodeErrors(list gqlerror.List) []byte {
	b, err := json.Marshal(list)
	if err != nil {
		return []byte(`[{"message":"the error could not be encoded"}]`)
	}
	return b
}

// run executes the operation. Subscriptions whose resolver called Share join or lead a
// group; everything else is executed for this client alone, as gqlgen's transport does.
func (op *operation) run(ctx context.Context, payload json.RawMessage, start time.Time) {
	c := op.c
	defer func() {
		if r := recover(); r != nil {
			c.srv.cfg.Log.Error("websocket operation panicked", "panic", fmt.Sprint(r))
			op.fail(gqlerror.List{{Message: "internal server error", Extensions: map[string]any{"code": string(errs.Internal)}}})
		}
	}()
	ctx = graphql.StartOperationTrace(ctx)
	// The payload's parameters are checked as a POST body's, with the same messages.
	params, perr := gqlhttp.DecodeParams(payload)
	if perr != nil {
		op.fail(gqlerror.List{{Message: perr.Message, Extensions: map[string]any{"code": string(perr.Code)}}})
		return
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	rc, gerr := c.exec.CreateOperationContext(ctx, params)
	if gerr != nil {
		resp := c.exec.DispatchError(graphql.WithOperationContext(ctx, rc), gerr)
		if errcode.GetErrorKind(gerr) == errcode.KindProtocol {
			op.fail(resp.Errors)
			return
		}
		op.sendResponse(resp) // a validation error is a result, as over HTTP
		op.complete()
		return
	}
	ctx = graphql.WithOperationContext(ctx, rc)
	if rc.Operation.Operation == ast.Subscription && !c.markSubscription(op) {
		op.end() // the connection is closing for its credentials
		c.forget(op)
		c.closeIfDrained()
		return
	}

	// The execution's context is cancelled explicitly, by the operation's end or, for a
	// group, by its last member leaving: a group outlives the client that started it.
	slot := &shareSlot{done: op.done}
	octx, cancel := context.WithCancel(withShareSlot(context.WithoutCancel(ctx), slot))
	if !op.setCancel(cancel) {
		cancel()
		return
	}
	responses, rctx := c.exec.DispatchOperation(octx, rc)
	if rc.Operation.Operation == ast.Subscription && slot.audience != "" {
		c.srv.share(op, groupKey(slot.audience, rc), slot, responses, rctx, cancel)
		return
	}
	defer cancel()
	for {
		resp := responses(rctx)
		if resp == nil {
			break
		}
		if !op.sendResponse(resp) {
			return
		}
	}
	op.complete()
}

// groupKey identifies the subscribers who receive the same bytes.
func groupKey(audience string, rc *graphql.OperationContext) string {
	vars, _ := json.Marshal(rc.Variables) // map keys are sorted: equal variables, equal bytes
	return audience + "\x00" + rc.OperationName + "\x00" + rc.RawQuery + "\x00" + string(vars)
}
