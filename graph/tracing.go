package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// operationSpans is a gqlgen extension making one span per executed GraphQL operation,
// named after it ("mutation submitQuestion"), so that the statements and jobs of a
// resolver show under the operation that ran them. A subscription gets one per event it
// delivers. There are no per-field spans: they would cost on every field of every list.
type operationSpans struct{ tracer trace.Tracer }

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = operationSpans{}

func newOperationSpans(tp trace.TracerProvider) operationSpans {
	return operationSpans{tracer: tp.Tracer("backbone/graph")}
}

// ExtensionName implements graphql.HandlerExtension.
func (operationSpans) ExtensionName() string { return "OperationSpans" }

// Validate implements graphql.HandlerExtension.
func (operationSpans) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (s operationSpans) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	name, attrs := "graphql", []attribute.KeyValue(nil)
	if graphql.HasOperationContext(ctx) {
		oc := graphql.GetOperationContext(ctx)
		if oc.Operation != nil {
			name = string(oc.Operation.Operation)
			attrs = append(attrs, semconv.GraphQLOperationTypeKey.String(name))
			opName := oc.OperationName
			if opName == "" {
				opName = oc.Operation.Name
			}
			if opName != "" {
				name += " " + opName
				attrs = append(attrs, semconv.GraphQLOperationName(opName))
			}
		}
	}
	ctx, span := s.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	defer span.End()
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 0 {
		list := errorCodes(resp)
		span.SetAttributes(attribute.String("graphql.error.codes", list))
		span.SetStatus(codes.Error, list)
	}
	return resp
}
