package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeComplexityLimitExceeded is gqlgen's extensions.code for an operation that costs
// more than the limit; costLimit adds extensions.cost and extensions.limit.
const CodeComplexityLimitExceeded = "COMPLEXITY_LIMIT_EXCEEDED"

func init() {
	// Like the document limits: refused before execution, so a websocket answers with
	// an error message.
	errcode.RegisterErrorType(CodeComplexityLimitExceeded, errcode.KindProtocol)
}

// costLimit is gqlgen's complexity limit (whose walk uses the prices pageCosts sets), with
// the operation's cost and the limit in a refusal's extensions. The cost of every
// operation stays where gqlgen keeps it, extension.GetComplexityStats(ctx), for whoever
// charges for it.
type costLimit struct{ *extension.ComplexityLimit }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

func newCostLimit(limit int) costLimit {
	return costLimit{extension.FixedComplexityLimit(limit)}
}

func (c costLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	err := c.ComplexityLimit.MutateOperationContext(ctx, opCtx)
	if err == nil {
		return nil
	}
	if stats := extension.GetComplexityStats(graphql.WithOperationContext(ctx, opCtx)); stats != nil {
		err.Message = fmt.Sprintf("the operation costs %d, more than the limit of %d", stats.Complexity, stats.ComplexityLimit)
		err.Extensions["cost"] = stats.Complexity
		err.Extensions["limit"] = stats.ComplexityLimit
	}
	return err
}
