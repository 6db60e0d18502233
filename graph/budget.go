package graph

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/graph/model"
	"backbone/internal/errs"
	"backbone/internal/httpmw"
	"backbone/internal/ratelimit"
	"backbone/internal/viewer"
)

// RateBudgets are the cost-based budgets of callers, GitHub's GraphQL API's rule: each
// operation is charged ratelimit.Points of its complexity, out of so many points per
// Window for each signed-in user (their sessions together), the API keys of each user
// (all of them together) and each anonymous client address.
type RateBudgets struct {
	Limiter ratelimit.Limiter
	// User, APIKey and Anonymous are the points per Window of each kind of caller (APIKey:
	// of all one user's keys together); 0 leaves that kind without a budget.
	User, APIKey, Anonymous int
	Window                  time.Duration
	Log                     *slog.Logger
}

// rateBudget charges every operation before it runs, on every transport, and refuses it
// with RATE_LIMITED when its caller's budget cannot pay for it. On websockets and event
// streams it is an operation context mutator, as the complexity limit is; POST and GET
// have it charge an operation once their transport has accepted it (chargeAccepted), so
// that what the transport refuses (a method, an operation type, no turn) costs nothing.
type rateBudget struct {
	cfg    RateBudgets
	schema graphql.ExecutableSchema
	// policyHeaders are the RateLimit-Policy values of the kinds of caller, made once.
	policyHeaders map[string][]string
}

func newRateBudget(cfg RateBudgets, schema graphql.ExecutableSchema) rateBudget {
	b := rateBudget{cfg: cfg, schema: schema, policyHeaders: map[string][]string{}}
	for policy, points := range map[string]int{"user": cfg.User, "api_key": cfg.APIKey, "anonymous": cfg.Anonymous} {
		b.policyHeaders[policy] = []string{policyHeader(policy, b.limit(points))}
	}
	return b
}

func (b rateBudget) limit(points int) ratelimit.Limit {
	return ratelimit.Limit{Rate: points, Burst: points, Period: b.cfg.Window}
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = rateBudget{}

// budgetStats is where the charge is kept on the operation, for the rateLimit field.
const budgetStats = "RateBudget"

func (rateBudget) ExtensionName() string                   { return budgetStats }
func (rateBudget) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext charges the operation, unless its transport charges it once it
// has accepted it (chargeAccepted).
func (b rateBudget) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if chargedByTransport(ctx) {
		return nil
	}
	return b.charge(ctx, opCtx)
}

// chargeAccepted charges an operation the POST and GET transport has accepted
// (gqlhttp.Transport.Charge).
func (b rateBudget) chargeAccepted(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	if !chargedByTransport(ctx) { // MutateOperationContext charged it
		return nil
	}
	return b.charge(ctx, opCtx)
}

// charge charges the operation. It fails open, as ratelimit.Check does: when the store
// cannot answer, the operation runs uncharged and a warning is logged, rather than the
// whole API going down with Redis.
func (b rateBudget) charge(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	policy, key, points := b.caller(ctx)
	if points <= 0 {
		return nil
	}
	charge := min(ratelimit.Points(b.complexity(ctx, opCtx)), points)
	limit := b.limit(points)
	now := time.Now()
	res, err := b.cfg.Limiter.AllowN(ctx, key, limit, charge)
	switch {
	case err != nil && ctx.Err() != nil:
		return cancelled()
	case err != nil:
		b.cfg.Log.WarnContext(ctx, "rate budget unavailable, running the operation uncharged", "policy", policy, "err", err)
		return nil
	}
	b.writeHeaders(ctx, policy, limit, res)
	if !res.Allowed {
		return refusal(errs.Ef(errs.RateLimited, "rate budget spent: this operation costs %d of your %d points per %s; see retryAfter", charge, points, b.cfg.Window).
			With("retryAfter", ratelimit.RetryAfterSeconds(res.RetryAfter)).With("cost", charge).With("limit", points))
	}
	opCtx.Stats.SetExtension(budgetStats, &model.RateLimit{
		Cost: charge, Limit: points, Remaining: res.Remaining, ResetAt: now.Add(res.ResetAfter).UTC(),
	})
	return nil
}

// caller names the budget an operation is charged to: its policy name (as the
// RateLimit headers show it), its key in the limiter ("budget:" and the caller) and its
// points per window. An API key is charged to its owner's keys' budget, not a budget of
// its own: a user may hold 20 keys and revoke and create more at will, and each new key
// must not bring a fresh budget.
func (b rateBudget) caller(ctx context.Context) (policy, key string, points int) {
	p, ok := viewer.From(ctx)
	switch {
	case ok && p.IsAPIKey():
		return "api_key", "budget:keys:" + p.UserID.String(), b.cfg.APIKey
	case ok:
		return "user", "budget:user:" + p.UserID.String(), b.cfg.User
	}
	ip := ratelimit.AddressKey(httpmw.ClientIPFrom(ctx))
	if ip == "" {
		ip = "unknown"
	}
	return "anonymous", "budget:ip:" + ip, b.cfg.Anonymous
}

// complexity is the operation's complexity as the complexity limit computed it, or,
// on a handler without that limit, as gqlgen computes it.
func (b rateBudget) complexity(ctx context.Context, opCtx *graphql.OperationContext) int {
	// Read where extension.GetComplexityStats reads, without a context to read it from.
	if stats, ok := opCtx.Stats.GetExtension(complexityStats).(*extension.ComplexityStats); ok {
		return stats.Complexity
	}
	return complexity.Calculate(ctx, b.schema, opCtx.Operation, opCtx.Variables)
}

// rateLimitStatus is the charge of the operation running in ctx; nil when it was not
// charged (no budget for its kind of caller, or the store was unavailable).
func rateLimitStatus(ctx context.Context) *model.RateLimit {
	s, _ := graphql.GetOperationContext(ctx).Stats.GetExtension(budgetStats).(*model.RateLimit)
	return s
}

type headerSinkKey struct{}

// transportSink is the header sink of a request the POST and GET transport serves: it
// tells the budget that the transport charges the operation (chargeAccepted). The type
// is the mark, so that the request carries one value, with no allocation, not two.
type transportSink http.Header

// headerSink is the header sink of a plain HTTP request (POST, GET, server-sent events),
// to be put under headerSinkKey: the budget sets response headers there. Websockets get
// none: their headers left with the upgrade, and many operations share one connection.
// byTransport says the POST and GET transport serves it.
func headerSink(h http.Header, byTransport bool) any {
	if byTransport {
		return transportSink(h)
	}
	return h
}

// chargedByTransport reports whether the request in ctx is served by the POST and GET
// transport, which charges its operation itself.
func chargedByTransport(ctx context.Context) bool {
	_, ok := ctx.Value(headerSinkKey{}).(transportSink)
	return ok
}

// writeHeaders follows the IETF RateLimit header fields draft in its current
// form (draft-ietf-httpapi-ratelimit-headers-10, September 2025, whose syntax -11
// keeps): RateLimit-Policy names the policy, its quota q and window w in seconds;
// RateLimit gives the remaining quota r and the seconds t until it is full again.
// Older drafts' RateLimit-Limit/-Remaining/-Reset are not sent. The quota unit is the
// budget's points, not requests. A refusal adds Retry-After (RFC 9110).
func (b rateBudget) writeHeaders(ctx context.Context, policy string, limit ratelimit.Limit, res ratelimit.Result) {
	var h http.Header
	switch sink := ctx.Value(headerSinkKey{}).(type) {
	case http.Header:
		h = sink
	case transportSink:
		h = http.Header(sink)
	default:
		return
	}
	if v, ok := b.policyHeaders[policy]; ok {
		h["Ratelimit-Policy"] = v[:1:1] // shared: replaced or copied, never written in place
	} else {
		h.Set("RateLimit-Policy", policyHeader(policy, limit))
	}
	v := strconv.AppendQuote(make([]byte, 0, 48), policy)
	v = append(v, ";r="...)
	v = strconv.AppendInt(v, int64(res.Remaining), 10)
	v = append(v, ";t="...)
	v = strconv.AppendInt(v, int64(ceilSeconds(res.ResetAfter)), 10)
	h["Ratelimit"] = []string{string(v)} // RateLimit, canonical: no key copy per request
	if !res.Allowed {
		h.Set("Retry-After", strconv.Itoa(ratelimit.RetryAfterSeconds(res.RetryAfter)))
	}
}

// policyHeader is the RateLimit-Policy value of a policy.
func policyHeader(policy string, limit ratelimit.Limit) string {
	return strconv.Quote(policy) + ";q=" + strconv.Itoa(limit.Burst) + ";w=" + strconv.Itoa(int(limit.Period/time.Second))
}

// ceilSeconds rounds d up to whole seconds (0 stays 0).
func ceilSeconds(d time.Duration) int { return int((d + time.Second - 1) / time.Second) }
