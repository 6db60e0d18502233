package events

import (
	"time"

	"github.com/google/uuid"
)

// TopicLedgerPosted follows every ledger transaction, written in the transaction that
// posts it (LedgerPosted): the analytics rollups count captures, fees, refunds and
// payouts from it.
const TopicLedgerPosted = "ledger.posted"

// LedgerPosted is the payload of ledger.posted.
type LedgerPosted struct {
	TransactionID uuid.UUID `json:"transactionId"`
	// Kind is the transaction's kind (CAPTURE, RELEASE, PAYOUT_APPROVE, ...).
	Kind       string     `json:"kind"`
	QuestionID *uuid.UUID `json:"questionId"`
	PayoutID   *uuid.UUID `json:"payoutId"`
	// Gross is the credits the transaction moved (the sum of its positive postings);
	// Fees the part of them credited to the platform's revenue.
	Gross int64     `json:"gross"`
	Fees  int64     `json:"fees"`
	At    time.Time `json:"at"`
}
