package graph

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"backbone/graph/model"
	"backbone/internal/analytics"
)

// encodeAnalytics renders the analytics root field's JSON straight from the selection
// set, as gqlgen would render it, without gqlgen's per-field work: a year of days is
// ~5,100 fields, each with a field context, and a goroutine per point, which cost
// several times what reading the figures does. The fields are collected by gqlgen
// itself (graphql.CollectFields: fragments, @skip and @include), and each value is
// written as the generated marshallers write it; the arguments are read by the
// generated code. ok is false whenever the output might differ from gqlgen's (an
// argument or the series in error, @defer, a value gqlgen would refuse): the caller
// then lets gqlgen answer, errors included. Only for a caller the field's directive
// lets through (renderedAnalytics checks).
func encodeAnalytics(ctx context.Context, insight *analytics.Service, oc *graphql.OperationContext, field graphql.CollectedField) (out []byte, ok bool) {
	args, err := newExecutionContext(oc, nil, nil).field_Query_analytics_args(ctx, field.ArgumentMap(oc.Variables))
	if err != nil {
		return nil, false
	}
	from, _ := args["from"].(time.Time)
	to, _ := args["to"].(time.Time)
	bucket, _ := args["bucket"].(model.AnalyticsBucket)
	subject, _ := args["subject"].(*string)
	points, err := insight.Series(ctx, from, to, analytics.Bucket(bucket), subject)
	if err != nil {
		return nil, false
	}
	return encodePoints(oc, field, points)
}

// encodePoints writes points as the list [AnalyticsPoint!]! selected by field.
func encodePoints(oc *graphql.OperationContext, field graphql.CollectedField, points []analytics.Point) ([]byte, bool) {
	fields := graphql.CollectFields(oc, field.Selections, analyticsPointImplementors)
	for _, f := range fields {
		if len(f.Deferrables) > 0 {
			return nil, false
		}
	}
	// gqlgen writes a field once per alias, the first time (marshalFieldSet).
	written := make(map[string]bool, len(fields))
	unique := fields[:0:0]
	for _, f := range fields {
		if !written[f.Alias] {
			written[f.Alias] = true
			unique = append(unique, f)
		}
	}
	b := make([]byte, 0, len(points)*(16+len(unique)*24))
	b = append(b, '[')
	for i := range points {
		if i > 0 {
			b = append(b, ',')
		}
		p := analyticsPoint(points[i])
		b = append(b, '{')
		for j, f := range unique {
			if j > 0 {
				b = append(b, ',')
			}
			// A GraphQL name ([_A-Za-z][_0-9A-Za-z]*): nothing to escape.
			b = append(append(append(b, '"'), f.Alias...), '"', ':')
			var ok bool
			if b, ok = appendPointField(b, f.Name, &p); !ok {
				return nil, false
			}
		}
		b = append(b, '}')
	}
	return append(b, ']'), true
}

// appendPointField writes one field of a point as the generated code's marshallers do:
// graphql.MarshalTime, MarshalInt, MarshalFloatContext (null when nil).
func appendPointField(b []byte, name string, p *model.AnalyticsPoint) ([]byte, bool) {
	switch name {
	case "__typename":
		return append(b, `"AnalyticsPoint"`...), true
	case "start":
		return appendTime(b, p.Start)
	case "end":
		return appendTime(b, p.End)
	case "submitted":
		return strconv.AppendInt(b, int64(p.Submitted), 10), true
	case "accepted":
		return strconv.AppendInt(b, int64(p.Accepted), 10), true
	case "cancelled":
		return strconv.AppendInt(b, int64(p.Cancelled), 10), true
	case "declined":
		return strconv.AppendInt(b, int64(p.Declined), 10), true
	case "expired":
		return strconv.AppendInt(b, int64(p.Expired), 10), true
	case "disputed":
		return strconv.AppendInt(b, int64(p.Disputed), 10), true
	case "creditsSpent":
		return strconv.AppendInt(b, int64(p.CreditsSpent), 10), true
	case "platformRevenue":
		return strconv.AppendInt(b, int64(p.PlatformRevenue), 10), true
	case "refunds":
		return strconv.AppendInt(b, int64(p.Refunds), 10), true
	case "payoutsApproved":
		return strconv.AppendInt(b, int64(p.PayoutsApproved), 10), true
	case "deadlineBreaches":
		return strconv.AppendInt(b, int64(p.DeadlineBreaches), 10), true
	case "medianSecondsToClaim":
		return appendFloat(b, p.MedianSecondsToClaim)
	case "medianSecondsToDeliver":
		return appendFloat(b, p.MedianSecondsToDeliver)
	}
	return nil, false // a field added to the type and not here: gqlgen answers
}

// appendTime is graphql.MarshalTime: RFC 3339 with nanoseconds, quoted; a zero time is
// null, which a Time! field reports as an error: gqlgen's to answer.
func appendTime(b []byte, t time.Time) ([]byte, bool) {
	if t.IsZero() {
		return nil, false
	}
	// Digits, '-', ':', '.', 'T', 'Z' and '+': nothing strconv.Quote would escape.
	b = t.AppendFormat(append(b, '"'), time.RFC3339Nano)
	return append(b, '"'), true
}

// appendFloat is graphql.MarshalFloatContext (%g) for a nullable Float; infinities and
// NaN are errors there: gqlgen's to answer.
func appendFloat(b []byte, f *float64) ([]byte, bool) {
	switch {
	case f == nil:
		return append(b, "null"...), true
	case math.IsInf(*f, 0) || math.IsNaN(*f):
		return nil, false
	}
	return strconv.AppendFloat(b, *f, 'g', -1, 64), true
}
