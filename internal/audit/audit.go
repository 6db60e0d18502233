// Package audit writes the audit log: who did what to which target, from where, when.
package audit

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/viewer"
)

// Entry is one sensitive action.
type Entry struct {
	Action     string // such as "auth.login", "user.suspended"
	TargetType string // such as "User"
	TargetID   string
	Metadata   map[string]any
	// Actor overrides the principal in the context (a login has no principal yet).
	Actor *uuid.UUID
}

// Request is where a request came from, put in the context by the HTTP layer.
type Request struct {
	IP        string
	UserAgent string
}

type requestKey struct{}

// RequestKey is the context key WithRequest stores the request's origin under, for
// whoever attaches it to a request otherwise (httpmw.Attach).
var RequestKey any = requestKey{}

// WithRequest returns ctx carrying the request's origin.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request's origin, if known.
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// maxUserAgent bounds what a client can make us store.
const maxUserAgent = 512

// Record writes e with c, which should be the transaction of the action itself so that
// the action and its audit row commit together.
func Record(ctx context.Context, c *ent.Client, e Entry) error {
	req := RequestFrom(ctx)
	create := c.AuditLog.Create().
		SetAction(e.Action).
		SetTargetType(e.TargetType).
		SetTargetID(e.TargetID).
		SetIP(Clip(req.IP, 64)).
		SetUserAgent(Clip(req.UserAgent, maxUserAgent))
	if e.Metadata != nil {
		create.SetMetadata(e.Metadata)
	}
	switch {
	case e.Actor != nil:
		create.SetActorID(*e.Actor)
	default:
		if p, ok := viewer.From(ctx); ok {
			create.SetActorID(p.UserID)
		}
	}
	return create.Exec(ctx)
}

// Clip cuts s to at most n bytes of valid UTF-8 (PostgreSQL refuses invalid text), for
// values a client chose, such as a user agent.
func Clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
