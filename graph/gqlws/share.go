package gqlws

import "context"

// shareSlot is where a subscription resolver, called during dispatch, tells the
// transport whom its events are for.
type shareSlot struct {
	audience     string
	replayLatest bool
	ends         <-chan struct{} // EndsWhen
	done         <-chan struct{} // the subscriber's operation stopped (Subscriber)
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

// EndsWhen completes the subscriber's stream once ends closes, whether it leads a shared
// group or joined one: the group's execution goes on for the other members. It is for a
// reason that is the subscriber's own (an expert's subjects changed), where ending the
// resolver's stream would end the stream of everyone in the group.
func EndsWhen(ends <-chan struct{}) ShareOption { return func(s *shareSlot) { s.ends = ends } }

// Subscriber returns a channel closed when the subscriber whose resolver runs in ctx
// stops (completes, unsubscribes or disconnects), or nil outside the websocket transport.
// A later member's resolver context is cancelled as soon as it joins a group, so work
// that must last as long as the subscriber (such as what decides EndsWhen) waits on
// this instead.
func Subscriber(ctx context.Context) <-chan struct{} {
	if s, _ := ctx.Value(shareSlotKey{}).(*shareSlot); s != nil {
		return s.done
	}
	return nil
}

// Share declares, from a subscription resolver that is about to return its channel, that
// what the subscription sends depends only on audience, the operation and its variables,
// not on anything else about the viewer. The websocket transport then runs one execution
// per distinct (audience, operation, variables) and sends its encoded events to every
// subscriber in the group; the extra resolvers it called for the later subscribers are
// cancelled at once. audience must name everything the payload depends on, for example
// "question:<id>:admin" or "question:<id>:user:<uid>" when privacy rules differ per
// viewer. Outside the websocket transport (server-sent events, tests) Share does nothing
// and reports false: the options do not apply either.
func Share(ctx context.Context, audience string, opts ...ShareOption) bool {
	s, _ := ctx.Value(shareSlotKey{}).(*shareSlot)
	if s == nil || audience == "" {
		return false
	}
	s.audience = audience
	for _, o := range opts {
		o(s)
	}
	return true
}
