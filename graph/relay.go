package graph

import (
	"encoding/base64"
	"strings"

	"github.com/google/uuid"

	"backbone/ent/account"
	"backbone/ent/answerrevision"
	"backbone/ent/apikey"
	"backbone/ent/assignment"
	"backbone/ent/auditlog"
	"backbone/ent/creditpurchase"
	"backbone/ent/dispute"
	"backbone/ent/notification"
	"backbone/ent/payout"
	"backbone/ent/posting"
	"backbone/ent/question"
	"backbone/ent/rating"
	"backbone/ent/subjectrequest"
	"backbone/ent/user"
	"backbone/internal/errs"
)

// nodeTables maps each GraphQL Node type to the ent table that holds it.
var nodeTables = map[string]string{
	"User":           user.Table,
	"AuditLog":       auditlog.Table,
	"APIKey":         apikey.Table,
	"Account":        account.Table,
	"LedgerEntry":    posting.Table,
	"Payout":         payout.Table,
	"CreditPurchase": creditpurchase.Table,
	"Question":       question.Table,
	"AnswerRevision": answerrevision.Table,
	"Assignment":     assignment.Table,
	"Notification":   notification.Table,
	"Dispute":        dispute.Table,
	"Rating":         rating.Table,
	"SubjectRequest": subjectrequest.Table,
}

// errNotFound is the answer for an id of the wrong type: like one that does not exist.
func errNotFound(typ string) error { return errs.Ef(errs.NotFound, "%s not found", typ) }

// GlobalID makes the opaque Relay id of an object of the Node type typ, as the API shows
// ids everywhere (question(id:), node(id:)): base64url of "Type:uuid".
func GlobalID(typ string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + id.String()))
}

// parseGlobalID splits an opaque id into its GraphQL type and ent id. Anything malformed,
// or of a type that is not a Node, answers BAD_USER_INPUT.
func parseGlobalID(gid string) (typ string, table string, id uuid.UUID, err error) {
	bad := errs.E(errs.BadUserInput, "malformed id").With("field", "id")
	if len(gid) > 128 {
		return "", "", uuid.Nil, bad
	}
	raw, derr := base64.RawURLEncoding.DecodeString(gid)
	if derr != nil {
		return "", "", uuid.Nil, bad
	}
	typ, rawID, ok := strings.Cut(string(raw), ":")
	table, known := nodeTables[typ]
	if !ok || !known {
		return "", "", uuid.Nil, bad
	}
	id, perr := uuid.Parse(rawID)
	if perr != nil {
		return "", "", uuid.Nil, bad
	}
	return typ, table, id, nil
}
