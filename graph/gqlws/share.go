package gqlws

import "context"

// shareSlot is where a subscription resolver, called during dispatch, tells the
// transport whom its events are for.
type shareSlot struct {
	audience     string
	replayLatest bool
}

type shareSlotKey struct{}

func withShareSlot(ctx context.Context, s *shareSlot) context.Context {
	return context.WithValue(ctx, shareSlotKey{}, s)
}

// ShareOption adjusts how a shared subscription is delivered.
type ShareOption func(*shareSlot)

// ReplayLatest makes a subscriber who joins a running shared subscription receive the
// last event it delivered at once (a live summary such as platformStats), rather than
// only the events that come after.
func ReplayLatest() ShareOption { return func(s *shareSlot) { s.replayLatest = true } }

// Share declares, from a subscription resolver that is about to return its channel, that
// what the subscription sends depends only on audience, the operation and its variables,
// not on anything else about the viewer. The websocket transport then runs one execution
// per distinct (audience, operation, variables) and sends its encoded events to every
// subscriber in the group; the extra resolvers it called for the later subscribers are
// cancelled at once. audience must name everything the payload depends on, for example
// "question:<id>:admin" or "question:<id>:user:<uid>" when privacy rules differ per
// viewer. Outside the websocket transport (server-sent events, tests) Share does nothing.
func Share(ctx context.Context, audience string, opts ...ShareOption) {
	s, _ := ctx.Value(shareSlotKey{}).(*shareSlot)
	if s == nil || audience == "" {
		return
	}
	s.audience = audience
	for _, o := range opts {
		o(s)
	}
}
