package graph

import (
	"maps"

	"github.com/google/uuid"

	"backbone/ent"
)

// The audit log stores its ids as the services wrote them (raw UUIDs); they are shown as
// every id of the API is, global ids, when the presentation knows their type. Stored rows
// are never rewritten.

// auditTargetID is a row's targetId as shown: the global id of its target when the target
// type is a Node type; the stored id otherwise (a Session's, "marketplace" of Settings, a
// Job's), which no global id would name.
func auditTargetID(row *ent.AuditLog) string {
	if _, node := nodeTables[row.TargetType]; node {
		if id, err := uuid.Parse(row.TargetID); err == nil {
			return GlobalID(row.TargetType, id)
		}
	}
	return row.TargetID
}

// auditMetadataIDs are the metadata keys whose values are ids of a Node type, by action
// ("" for every action): the others keep what they hold (from and to are roles in
// user.role_changed, a status in question.pipeline_retried).
var auditMetadataIDs = map[string]map[string]string{
	"":                    {"expertId": "User", "assignmentId": "Assignment"},
	"question.reassigned": {"from": "User", "to": "User"},
}

// auditMetadata is a row's metadata as shown: a copy whose ids of Node objects (see
// auditMetadataIDs) are global ids. A value that is not a UUID (null: no expert) stays.
func auditMetadata(row *ent.AuditLog) map[string]any {
	if row.Metadata == nil {
		return nil
	}
	out := maps.Clone(row.Metadata)
	for _, keys := range []map[string]string{auditMetadataIDs[""], auditMetadataIDs[row.Action]} {
		for key, typ := range keys {
			s, ok := out[key].(string)
			if !ok {
				continue
			}
			if id, err := uuid.Parse(s); err == nil {
				out[key] = GlobalID(typ, id)
			}
		}
	}
	return out
}

// auditTarget turns the filter's targetType and targetId into what the rows store: a
// global id names its object's stored id and its type (a targetType given as well that
// differs matches nothing, as every given field must match); any other id, a target's
// that is no Node or a raw UUID, is matched as stored.
func auditTarget(targetType, targetID string) (string, string) {
	typ, _, id, err := parseGlobalID(targetID)
	if targetID == "" || err != nil {
		return targetType, targetID
	}
	if targetType == "" {
		targetType = typ
	}
	if targetType != typ {
		return targetType, GlobalID(typ, id) // no stored target id is a global id
	}
	return targetType, id.String()
}
