package graph

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
)

// Operation label values that are not an operation's own name.
const (
	opAnonymous = "anonymous" // an operation without a name
	opOther     = "other"     // past MaxOperationNames, or a name too long to be a label
	typeUnknown = "unknown"   // a document refused before an operation was chosen
)

// MaxOperationNames bounds the operation label: the first this many distinct names get
// their own series, later ones share "other". Names come from clients, so without a bound
// a client could grow the metrics without limit.
const MaxOperationNames = 200

// maxLabelLen bounds an operation name used as a label value.
const maxLabelLen = 100

// operationMetrics counts GraphQL operations, times them and counts their errors by code.
// Its work per operation is a few map lookups and atomic adds: no per-field work.
type operationMetrics struct {
	operations *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	errors     *prometheus.CounterVec
	names      sync.Map // operation name -> struct{}: those that have their own label
	nameCount  atomic.Int64
}

// meteredKey marks the context of a response of an operation operationMetrics counted,
// so that its response interceptor counts only documents refused before execution.
type meteredKey struct{}

func newOperationMetrics(reg prometheus.Registerer) (*operationMetrics, error) {
	m := &operationMetrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_operations_total",
			Help: "GraphQL operations, by operation name and type (query, mutation, subscription; unknown: refused before one was chosen).",
		}, []string{"operation", "type"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "graphql_operation_duration_seconds",
			Help:    "Time from reading a query or mutation to its response, by operation name and type.",
			Buckets: prometheus.DefBuckets,
		}, []string{"operation", "type"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "graphql_errors_total",
			Help: "Errors in GraphQL responses, by operation name and extensions.code (NONE: an error without a code).",
		}, []string{"operation", "code"}),
	}
	for _, c := range []prometheus.Collector{m.operations, m.duration, m.errors} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// InterceptOperation counts an executed operation once and its errors in every response;
// a query's or mutation's first response ends its duration. Used before the other
// operation interceptors, it also sees the responses they refuse with.
func (m *operationMetrics) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	name, typ := m.labels(ctx)
	m.operations.WithLabelValues(name, typ).Inc()
	start := graphql.GetOperationContext(ctx).Stats.OperationStart
	timed := typ == string(ast.Subscription)
	rh := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := rh(context.WithValue(ctx, meteredKey{}, true))
		if resp == nil {
			return nil
		}
		if !timed {
			timed = true
			m.duration.WithLabelValues(name, typ).Observe(time.Since(start).Seconds())
		}
		m.countErrors(name, resp)
		return resp
	}
}

// InterceptResponse counts the documents refused before an operation ran (parse,
// validation, cost), which never reach InterceptOperation.
func (m *operationMetrics) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || ctx.Value(meteredKey{}) != nil {
		return resp
	}
	name, typ := m.labels(ctx)
	m.operations.WithLabelValues(name, typ).Inc()
	m.countErrors(name, resp)
	return resp
}

func (m *operationMetrics) countErrors(name string, resp *graphql.Response) {
	for _, e := range resp.Errors {
		m.errors.WithLabelValues(name, errorCode(e.Extensions)).Inc()
	}
}

// labels returns the operation's name and type label values. The name is the parsed
// operation's (never the raw operationName a client sent), bounded by MaxOperationNames.
func (m *operationMetrics) labels(ctx context.Context) (name, typ string) {
	name, typ = opAnonymous, typeUnknown
	op := parsedOperation(ctx)
	if op == nil {
		return name, typ
	}
	typ = string(op.Operation)
	if op.Name == "" {
		return name, typ
	}
	return m.boundName(op.Name), typ
}

func (m *operationMetrics) boundName(name string) string {
	if len(name) > maxLabelLen {
		return opOther
	}
	if _, ok := m.names.Load(name); ok {
		return name
	}
	if m.nameCount.Add(1) > MaxOperationNames {
		m.nameCount.Add(-1)
		return opOther
	}
	if _, loaded := m.names.LoadOrStore(name, struct{}{}); loaded {
		m.nameCount.Add(-1) // another request stored it first
	}
	return name
}

// parsedOperation is the operation chosen from the parsed document, or nil before then.
func parsedOperation(ctx context.Context) *ast.OperationDefinition {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return graphql.GetOperationContext(ctx).Operation
}

func (m *operationMetrics) ExtensionName() string                   { return "OperationMetrics" }
func (m *operationMetrics) Validate(graphql.ExecutableSchema) error { return nil }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
	graphql.ResponseInterceptor
} = (*operationMetrics)(nil)
