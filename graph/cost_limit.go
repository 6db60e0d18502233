package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"
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
// charges for it. The cost of an operation without variables depends on its document
// alone, so it is remembered by the parsed operation (the query cache hands the same one
// out for the same text): the walk runs once per document rather than once per request.
type costLimit struct {
	limit  int
	schema *graphql.ExecutableSchema // set by Validate
	costs  *lru.Cache[*ast.OperationDefinition, int]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = costLimit{}

// complexityStats is the name gqlgen's complexity limit keeps its figures under, where
// extension.GetComplexityStats reads them.
var complexityStats = extension.ComplexityLimit{}.ExtensionName()

func newCostLimit(limit int) costLimit {
	costs, _ := lru.New[*ast.OperationDefinition, int](queryCacheSize) // a size > 0 never fails
	return costLimit{limit: limit, schema: new(graphql.ExecutableSchema), costs: costs}
}

func (costLimit) ExtensionName() string { return complexityStats }

func (c costLimit) Validate(schema graphql.ExecutableSchema) error {
	if schema == nil {
		return errors.New("cost limit without a schema")
	}
	*c.schema = schema
	return nil
}

func (c costLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	op := opCtx.Doc.Operations.ForName(opCtx.OperationName)
	cost := c.cost(ctx, op, opCtx.Variables)
	opCtx.Stats.SetExtension(complexityStats, &extension.ComplexityStats{Complexity: cost, ComplexityLimit: c.limit})
	if cost <= c.limit {
		return nil
	}
	err := gqlerror.Errorf("the operation costs %d, more than the limit of %d", cost, c.limit)
	errcode.Set(err, CodeComplexityLimitExceeded)
	err.Extensions["cost"] = cost
	err.Extensions["limit"] = c.limit
	return err
}

// cost is gqlgen's complexity of op, remembered for an operation without variables.
func (c costLimit) cost(ctx context.Context, op *ast.OperationDefinition, vars map[string]any) int {
	if op == nil || len(op.VariableDefinitions) > 0 {
		return complexity.Calculate(ctx, *c.schema, op, vars)
	}
	if cost, ok := c.costs.Get(op); ok {
		return cost
	}
	cost := complexity.Calculate(ctx, *c.schema, op, vars)
	c.costs.Add(op, cost)
	return cost
}
