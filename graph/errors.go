package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"strings"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/httpmw"
)

// unnamedOperationNotFound is what gqlgen's executor says of a document of several
// operations sent without an operationName ("operation %s not found" with the empty
// name); the presenter says what to send instead.
const unnamedOperationNotFound = "operation  not found"

// presentError is the one place that turns errors into GraphQL errors with extensions.code.
// Coded errors show their message; anything else is logged with the request id and shown
// as "internal error". Without suggestions, validation messages lose their "Did you
// mean ...?" hints, which would spell out a schema that introspection keeps hidden.
func presentError(log *slog.Logger, suggestions bool) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gqlErr := graphql.DefaultErrorPresenter(ctx, err)
		var coded *errs.Error
		switch {
		case clientWentAway(ctx, err):
			// Not a fault: a subscriber closed its stream mid-event, or a client its
			// request. Nobody reads this answer, and it must not feed the error log.
			coded = errs.E(errs.Cancelled, "the request was cancelled")
		case errors.As(db.Coded(err), &coded):
			// Services code their errors, ent's included (db.Coded, where ent is called);
			// the same translation serves this package's own reads (loaders, connections).
		case isGraphQLRequestError(err):
			if !suggestions {
				gqlErr.Message = withoutSuggestion(gqlErr.Message)
			}
			if gqlErr.Message == unnamedOperationNotFound {
				gqlErr.Message = "operationName is required: the document holds more than one operation"
			}
			gqlErr.Message = truncateMessage(gqlErr.Message)
			return gqlErr // parse and validation errors already carry their own code
		default:
			coded = &errs.Error{Code: errs.Internal, Err: err}
		}
		if coded.Code == errs.Internal {
			log.ErrorContext(ctx, "internal error", "request_id", httpmw.RequestIDFrom(ctx),
				"path", gqlErr.Path.String(), "err", err)
			gqlErr.Message = "internal error"
		} else {
			gqlErr.Message = coded.Message
		}
		if gqlErr.Extensions == nil {
			gqlErr.Extensions = map[string]any{}
		}
		for k, v := range coded.Extensions {
			gqlErr.Extensions[k] = v
		}
		gqlErr.Extensions["code"] = string(coded.Code)
		return gqlErr
	}
}

// refusal is a coded error for an operation refused before it runs (by a handler
// extension, whose errors the presenter above never sees), with extensions.code and
// the error's extensions set the same way.
func refusal(e *errs.Error) *gqlerror.Error {
	ext := make(map[string]any, len(e.Extensions)+1)
	maps.Copy(ext, e.Extensions)
	ext["code"] = string(e.Code)
	return &gqlerror.Error{Message: e.Message, Extensions: ext}
}

// clientWentAway reports an error caused by the request's own cancellation: its context
// is cancelled (the client closed the stream or the connection), not a deadline.
func clientWentAway(ctx context.Context, err error) bool {
	return errors.Is(err, context.Canceled) && errors.Is(ctx.Err(), context.Canceled)
}

// isGraphQLRequestError reports errors gqlgen raised itself (parsing, validation, variable
// coercion): they carry a code already and a message meant for the client.
func isGraphQLRequestError(err error) bool {
	var gqlErr *gqlerror.Error
	if !errors.As(err, &gqlErr) {
		return false
	}
	_, hasCode := gqlErr.Extensions["code"]
	return hasCode || gqlErr.Err == nil
}

// withoutSuggestion cuts the hint gqlparser's rules append to a message (unknown fields,
// arguments, types, enum values, input fields), as gqlgen's SetDisableSuggestion does
// for the field rule only.
func withoutSuggestion(msg string) string {
	if i := strings.Index(msg, " Did you mean "); i >= 0 {
		return msg[:i]
	}
	return msg
}

// maxMessageBytes bounds a parse or validation message, which quotes the client's
// input: "Unexpected Name" would otherwise echo a megabyte-long name.
const maxMessageBytes = 500

func truncateMessage(msg string) string {
	if len(msg) <= maxMessageBytes {
		return msg
	}
	cut := maxMessageBytes
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// recoverPanic turns a resolver panic into an INTERNAL error, logged with its stack.
func recoverPanic(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		log.ErrorContext(ctx, "panic in resolver", "request_id", httpmw.RequestIDFrom(ctx),
			"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return &errs.Error{Code: errs.Internal, Err: fmt.Errorf("panic: %v", p)}
	}
}
