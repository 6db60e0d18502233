package events

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/db"
)

// Events written only to be told to the people they concern: the notify consumer turns
// each into notifications (see internal/notify). Every payload carries what its
// notifications show, so that the consumer reads nothing but the recipients, and tells one
// event from the next (At, or the ids it names): notifications are deduplicated by topic
// and payload.
const (
	// TopicRevisionRequested says a client sent a delivered answer back (RevisionRequested).
	TopicRevisionRequested = "answer.revision_requested"
	// TopicAnswerAccepted says an answer was accepted, by its client or automatically
	// (AnswerAccepted).
	TopicAnswerAccepted = "answer.accepted"
	// TopicDisputeOpened says a client disputed a delivered answer (DisputeOpened).
	TopicDisputeOpened = "dispute.opened"
	// TopicDisputeResolved says an admin resolved a dispute (DisputeResolved).
	TopicDisputeResolved = "dispute.resolved"
	// TopicLeaseExpiring says an expert's lease ends soon (LeaseExpiring).
	TopicLeaseExpiring = "lease.expiring"
	// TopicLeaseExpired says an expert's lease ran out and the claim ended (LeaseExpired).
	TopicLeaseExpired = "lease.expired"
	// TopicQuestionReassigned says an admin moved a question between experts
	// (QuestionReassigned).
	TopicQuestionReassigned = "question.reassigned"
	// TopicQuestionExpired says a question's deadline passed with no expert (QuestionExpired).
	TopicQuestionExpired = "question.expired"
	// TopicCreditsRefunded says a question's credits went back to its client (CreditsRefunded).
	TopicCreditsRefunded = "credits.refunded"
	// TopicPayoutRequested says an expert asked for a payout (PayoutRequested).
	TopicPayoutRequested = "payout.requested"
	// TopicExpertApplied says someone registered as an expert (ExpertApplied).
	TopicExpertApplied = "expert.applied"
	// TopicExpertDecided says an admin approved or rejected an expert application
	// (ExpertDecided).
	TopicExpertDecided = "expert.decided"
)

// RevisionRequested is the payload of answer.revision_requested.
type RevisionRequested struct {
	QuestionID uuid.UUID `json:"questionId"`
	ExpertID   uuid.UUID `json:"expertId"`
	// Note is the client's note on what to change (may be empty).
	Note string `json:"note"`
	// Revision counts the revisions asked of this answer, this one included.
	Revision int       `json:"revision"`
	At       time.Time `json:"at"`
}

// AnswerAccepted is the payload of answer.accepted.
type AnswerAccepted struct {
	QuestionID uuid.UUID `json:"questionId"`
	ExpertID   uuid.UUID `json:"expertId"`
	// Stars is the client's rating, 1 to 5; null when the answer was accepted
	// automatically (Auto).
	Stars *int      `json:"stars"`
	Auto  bool      `json:"auto"`
	At    time.Time `json:"at"`
}

// DisputeOpened is the payload of dispute.opened.
type DisputeOpened struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	ExpertID   uuid.UUID `json:"expertId"`
	Reason     string    `json:"reason"`
	At         time.Time `json:"at"`
	// Admins are the admins to tell (see Admins).
	Admins []uuid.UUID `json:"admins"`
}

// DisputeResolved is the payload of dispute.resolved.
type DisputeResolved struct {
	QuestionID uuid.UUID  `json:"questionId"`
	ClientID   uuid.UUID  `json:"clientId"`
	ExpertID   *uuid.UUID `json:"expertId"`
	// Refund is the credits returned to the client, of Price.
	Refund int64     `json:"refund"`
	Price  int64     `json:"price"`
	Note   string    `json:"note"`
	At     time.Time `json:"at"`
}

// LeaseExpiring is the payload of lease.expiring.
type LeaseExpiring struct {
	QuestionID     uuid.UUID `json:"questionId"`
	AssignmentID   uuid.UUID `json:"assignmentId"`
	ExpertID       uuid.UUID `json:"expertId"`
	LeaseExpiresAt time.Time `json:"leaseExpiresAt"`
}

// LeaseExpired is the payload of lease.expired.
type LeaseExpired struct {
	QuestionID   uuid.UUID `json:"questionId"`
	AssignmentID uuid.UUID `json:"assignmentId"`
	ExpertID     uuid.UUID `json:"expertId"`
	At           time.Time `json:"at"`
}

// QuestionReassigned is the payload of question.reassigned: From lost the question (null
// when it was open), To holds it now (null when it went back to the queue).
type QuestionReassigned struct {
	QuestionID uuid.UUID  `json:"questionId"`
	From       *uuid.UUID `json:"fromExpertId"`
	To         *uuid.UUID `json:"toExpertId"`
	At         time.Time  `json:"at"`
}

// QuestionExpired is the payload of question.expired.
type QuestionExpired struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	At         time.Time `json:"at"`
}

// CreditsRefunded is the payload of credits.refunded.
type CreditsRefunded struct {
	QuestionID uuid.UUID `json:"questionId"`
	ClientID   uuid.UUID `json:"clientId"`
	Amount     int64     `json:"amount"`
	// Status is the question's status that caused the refund: CANCELLED, DECLINED,
	// EXPIRED or RESOLVED.
	Status string    `json:"status"`
	At     time.Time `json:"at"`
}

// PayoutRequested is the payload of payout.requested.
type PayoutRequested struct {
	PayoutID uuid.UUID `json:"payoutId"`
	ExpertID uuid.UUID `json:"expertId"`
	Amount   int64     `json:"amount"`
	// Admins are the admins to tell (see Admins).
	Admins []uuid.UUID `json:"admins"`
}

// ExpertApplied is the payload of expert.applied.
type ExpertApplied struct {
	UserID   uuid.UUID `json:"userId"`
	Subjects []string  `json:"subjects"`
	At       time.Time `json:"at"`
	// Admins are the admins to tell (see Admins).
	Admins []uuid.UUID `json:"admins"`
}

// Admins lists the active admins, read with tx, the transaction that writes an event
// every admin must hear of: the event names its recipients, so a redelivery tells the
// same admins, never one made admin since.
func Admins(ctx context.Context, tx *ent.Client) ([]uuid.UUID, error) {
	ids, err := tx.User.Query().Where(user.RoleEQ(user.RoleADMIN), user.StatusEQ(user.StatusACTIVE)).
		IDs(db.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("admins: %w", err)
	}
	return ids, nil
}

// ExpertDecided is the payload of expert.decided.
type ExpertDecided struct {
	UserID   uuid.UUID `json:"userId"`
	Approved bool      `json:"approved"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}
