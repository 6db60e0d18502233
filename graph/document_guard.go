package graph

import (
	"context"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"backbone/internal/errs"
)

func init() {
	// Like parse and validation errors: a websocket answers them with an error message.
	errcode.RegisterErrorType(CodeQueryLimitExceeded, errcode.KindProtocol)
}

// documentGuard runs on every transport before gqlgen parses and validates a document
// (an operation parameter mutator, registered after APQ so that it sees the query a hash
// stands for) and before the complexity walk (an operation context mutator registered
// ahead of it). It refuses a document over its limits and abandons the work of a client
// that has gone.
type documentGuard struct {
	limits DocumentLimits
	// parsed is the executor's cache of validated documents: a hit needs no check.
	parsed graphql.Cache[*ast.QueryDocument]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = documentGuard{}

func (documentGuard) ExtensionName() string                   { return "DocumentGuard" }
func (documentGuard) Validate(graphql.ExecutableSchema) error { return nil }

func (g documentGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if ctx.Err() != nil {
		return cancelled()
	}
	if _, ok := g.parsed.Get(ctx, p.Query); ok {
		return nil
	}
	if tooManyTokens(p.Query, g.limits.Tokens) {
		return limitExceeded("tokens", "tokens", g.limits.Tokens)
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: p.Query})
	if err != nil {
		// The executor would parse it again only to fail the same way; answer as it does.
		if gqlErr, ok := err.(*gqlerror.Error); ok {
			errcode.Set(gqlErr, errcode.ParseFailed)
			return gqlErr
		}
		return nil
	}
	if err := g.limits.check(doc); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return cancelled()
	}
	return nil
}

// MutateOperationContext abandons the complexity walk and execution once the client has
// gone, and refuses a subscription of several root fields under aliases.
func (documentGuard) MutateOperationContext(ctx context.Context, rc *graphql.OperationContext) *gqlerror.Error {
	if ctx.Err() != nil {
		return cancelled()
	}
	if rc != nil && rc.Operation != nil && rc.Operation.Operation == ast.Subscription {
		return singleRootField(rc.Operation)
	}
	return nil
}

// singleRootField refuses a subscription whose root selects more than one response key.
// gqlparser's SingleFieldSubscriptions rule counts field names, so `a: f b: f` passed
// validation and reached the executor, which answers INTERNAL.
func singleRootField(op *ast.OperationDefinition) *gqlerror.Error {
	keys := map[string]bool{}
	spread := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch sel := sel.(type) {
			case *ast.Field:
				keys[sel.Alias] = true // the alias is the name when none is given
			case *ast.InlineFragment:
				walk(sel.SelectionSet)
			case *ast.FragmentSpread:
				if sel.Definition != nil && !spread[sel.Name] {
					spread[sel.Name] = true
					walk(sel.Definition.SelectionSet)
				}
			}
		}
	}
	walk(op.SelectionSet)
	if len(keys) <= 1 {
		return nil
	}
	name := "Anonymous Subscription"
	if op.Name != "" {
		name = "Subscription " + strconv.Quote(op.Name)
	}
	err := gqlerror.ErrorPosf(op.Position, "%s must select only one top level field.", name)
	errcode.Set(err, errcode.ValidationFailed)
	return err
}

// cancelled answers work abandoned because the client went away: nobody reads it, and a
// code keeps it out of the INTERNAL path and its log.
func cancelled() *gqlerror.Error {
	return &gqlerror.Error{Message: "the request was cancelled", Extensions: map[string]any{"code": string(errs.Cancelled)}}
}
