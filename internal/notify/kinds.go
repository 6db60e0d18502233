package notify

import (
	"slices"

	"backbone/internal/events"
	"backbone/internal/viewer"
)

// Kinds made from the events of internal/events/notices.go.
const (
	KindRevisionRequested  = "REVISION_REQUESTED"
	KindAnswerAccepted     = "ANSWER_ACCEPTED"
	KindDisputeOpened      = "DISPUTE_OPENED"
	KindDisputeResolved    = "DISPUTE_RESOLVED"
	KindLeaseExpiring      = "LEASE_EXPIRING"
	KindLeaseExpired       = "LEASE_EXPIRED"
	KindQuestionReassigned = "QUESTION_REASSIGNED"
	KindApplicationDecided = "APPLICATION_DECIDED"
	KindRefunded           = "REFUNDED"
	KindQuestionExpired    = "QUESTION_EXPIRED"
	KindPayoutRequested    = "PAYOUT_REQUESTED"
	KindExpertApplied      = "EXPERT_APPLIED"
)

// noticeTopics are the event topics written only to be told (events/notices.go).
var noticeTopics = []string{
	events.TopicRevisionRequested, events.TopicAnswerAccepted, events.TopicDisputeOpened,
	events.TopicDisputeResolved, events.TopicLeaseExpiring, events.TopicLeaseExpired,
	events.TopicQuestionReassigned, events.TopicQuestionExpired, events.TopicCreditsRefunded,
	events.TopicPayoutRequested, events.TopicExpertApplied, events.TopicExpertDecided,
}

// roleKind is a kind a role receives, and whether it also comes by email unless the user
// chose otherwise.
type roleKind struct {
	kind  string
	email bool
}

// byRole lists the kinds each role receives, in the order preferences are shown. Email is
// on by default for what needs the user (an answer to read, a lease to save, a decision),
// off for what happens often (every status change, every new task).
var byRole = map[string][]roleKind{
	viewer.RoleClient: {
		{KindQuestionUpdated, false}, {KindAnswerDelivered, true}, {KindDisputeResolved, true},
		{KindRefunded, true}, {KindQuestionExpired, true},
	},
	viewer.RoleExpert: {
		{KindTaskAvailable, false}, {KindRevisionRequested, true}, {KindAnswerAccepted, true},
		{KindDisputeOpened, true}, {KindDisputeResolved, true}, {KindLeaseExpiring, true},
		{KindLeaseExpired, true}, {KindQuestionReassigned, true}, {KindPayoutDecided, true},
		{KindApplicationDecided, true},
	},
	viewer.RoleAdmin: {
		{KindDisputeOpened, true}, {KindPayoutRequested, true}, {KindExpertApplied, true},
		{KindPurchaseFlagged, true},
	},
}

// Kinds lists every kind of notification.
func Kinds() []string {
	var out []string
	for _, role := range []string{viewer.RoleClient, viewer.RoleExpert, viewer.RoleAdmin} {
		for _, k := range byRole[role] {
			if !slices.Contains(out, k.kind) {
				out = append(out, k.kind)
			}
		}
	}
	return out
}

// KindsFor lists the kinds a user of role receives.
func KindsFor(role string) []string {
	out := make([]string, len(byRole[role]))
	for i, k := range byRole[role] {
		out[i] = k.kind
	}
	return out
}

// ConcernsRole reports whether users of role receive notifications of kind.
func ConcernsRole(kind, role string) bool { return slices.Contains(KindsFor(role), kind) }

// EmailByDefault reports whether kind comes by email to a user of role who never chose.
func EmailByDefault(kind, role string) bool {
	i := slices.IndexFunc(byRole[role], func(k roleKind) bool { return k.kind == kind })
	return i >= 0 && byRole[role][i].email
}
