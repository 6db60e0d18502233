package graph

import (
	"context"
	"log/slog"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"backbone/internal/httpmw"
)

// noteOperation puts the operation's name and type and the codes of the errors it
// answered with on the request's access log line, so a log search finds a failing
// mutation by name or by code. It runs on every transport; over a websocket there is no
// access log line per operation and it does nothing.
func noteOperation(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	attrs := make([]slog.Attr, 0, 3)
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		name := oc.OperationName
		if name == "" && oc.Operation != nil {
			name = oc.Operation.Name
		}
		if name != "" {
			attrs = append(attrs, slog.String("graphql_operation", name))
		}
		if oc.Operation != nil {
			attrs = append(attrs, slog.String("graphql_type", string(oc.Operation.Operation)))
		}
	}
	if resp != nil && len(resp.Errors) > 0 {
		attrs = append(attrs, slog.String("graphql_errors", errorCodes(resp)))
	}
	httpmw.NoteForAccessLog(ctx, attrs...)
	return resp
}

// errorCodes lists the distinct extensions.code values of resp's errors, in order of
// first appearance ("NONE" for an error without one).
func errorCodes(resp *graphql.Response) string {
	var codes []string
	for _, e := range resp.Errors {
		code := errorCode(e.Extensions)
		if !slices.Contains(codes, code) {
			codes = append(codes, code)
		}
	}
	return strings.Join(codes, ",")
}

// errorCode is an error's extensions.code: "NONE" without one, "OTHER" for a value that
// is not a code (codes are upper-case words), so that it is safe as a log field and a
// metrics label.
func errorCode(ext map[string]any) string {
	code, _ := ext["code"].(string)
	if code == "" {
		return "NONE"
	}
	if len(code) > 50 || strings.ContainsFunc(code, func(r rune) bool {
		return (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_'
	}) {
		return "OTHER"
	}
	return code
}
