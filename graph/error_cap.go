package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxErrors is how many errors one response lists (graphql-js's validation stops at the
// same number): 20,000 unknown arguments would otherwise answer with megabytes of errors.
const maxErrors = 100

// CodeErrorsOmitted is the extensions.code of the last error of a capped list; its
// extensions.omitted says how many errors were left out.
const CodeErrorsOmitted = "ERRORS_OMITTED"

// capErrors keeps the first maxErrors errors of a response and replaces the rest with
// one that counts them. It runs on every transport, for request errors and results alike.
func capErrors(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	omitted := len(resp.Errors) - maxErrors
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors were omitted", omitted),
		Extensions: map[string]any{"code": CodeErrorsOmitted, "omitted": omitted},
	})
	return resp
}
