package graph

import (
	"maps"
	"reflect"
	"testing"

	"github.com/google/uuid"

	"backbone/ent"
)

// TestAuditIDsAreShownAsGlobalIDs: the ids of Node objects in an audit row, its target's
// and those of its metadata, are shown as global ids; others as stored.
func TestAuditIDsAreShownAsGlobalIDs(t *testing.T) {
	user, expert, assignment, q := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	for _, c := range []struct {
		row          ent.AuditLog
		target       string
		meta, stored map[string]any
	}{{
		row:    ent.AuditLog{Action: "user.suspended", TargetType: "User", TargetID: user.String()},
		target: GlobalID("User", user),
	}, {
		row: ent.AuditLog{Action: "question.lease_expired", TargetType: "Question", TargetID: q.String(),
			Metadata: map[string]any{"expertId": expert.String(), "assignmentId": assignment.String(), "status": "AWAITING_EXPERT"}},
		target: GlobalID("Question", q),
		meta:   map[string]any{"expertId": GlobalID("User", expert), "assignmentId": GlobalID("Assignment", assignment), "status": "AWAITING_EXPERT"},
	}, {
		row: ent.AuditLog{Action: "question.reassigned", TargetType: "Question", TargetID: q.String(),
			Metadata: map[string]any{"from": expert.String(), "to": nil}},
		target: GlobalID("Question", q),
		meta:   map[string]any{"from": GlobalID("User", expert), "to": nil},
	}, {
		// from and to of a role change are roles; a ledger transaction is no Node.
		row: ent.AuditLog{Action: "user.role_changed", TargetType: "User", TargetID: user.String(),
			Metadata: map[string]any{"from": "CLIENT", "to": "EXPERT", "transactionId": q.String()}},
		target: GlobalID("User", user),
		meta:   map[string]any{"from": "CLIENT", "to": "EXPERT", "transactionId": q.String()},
	}, {
		row:    ent.AuditLog{Action: "settings.updated", TargetType: "Settings", TargetID: "marketplace"},
		target: "marketplace",
	}, {
		row:    ent.AuditLog{Action: "auth.refresh_token_reused", TargetType: "Session", TargetID: user.String()},
		target: user.String(),
	}} {
		stored := maps.Clone(c.row.Metadata)
		if got := auditTargetID(&c.row); got != c.target {
			t.Errorf("%s: targetId %q, want %q", c.row.Action, got, c.target)
		}
		if got := auditMetadata(&c.row); !reflect.DeepEqual(got, c.meta) {
			t.Errorf("%s: metadata %v, want %v", c.row.Action, got, c.meta)
		}
		if !reflect.DeepEqual(c.row.Metadata, stored) {
			t.Errorf("%s: the row's metadata changed to %v", c.row.Action, c.row.Metadata)
		}
	}
}

// TestAuditTargetFilter: the filter's targetId is a global id (of its type) or a stored id.
func TestAuditTargetFilter(t *testing.T) {
	id := uuid.New()
	for _, c := range []struct{ typ, target, wantTyp, wantID string }{
		{"", GlobalID("User", id), "User", id.String()},
		{"User", GlobalID("User", id), "User", id.String()},
		{"Question", GlobalID("User", id), "Question", GlobalID("User", id)}, // matches nothing
		{"", id.String(), "", id.String()},
		{"Settings", "marketplace", "Settings", "marketplace"},
		{"", "", "", ""},
	} {
		typ, target := auditTarget(c.typ, c.target)
		if typ != c.wantTyp || target != c.wantID {
			t.Errorf("auditTarget(%q, %q) = %q, %q; want %q, %q", c.typ, c.target, typ, target, c.wantTyp, c.wantID)
		}
	}
}
