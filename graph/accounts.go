package graph

import (
	"entgo.io/contrib/entgql"

	"backbone/ent"
)

// newestSubjectRequestsFirst orders subjectRequests.
var newestSubjectRequestsFirst = ent.WithSubjectRequestOrder(&ent.SubjectRequestOrder{
	Direction: entgql.OrderDirectionDesc, Field: ent.SubjectRequestOrderFieldCreatedAt,
})
