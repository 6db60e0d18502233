package analytics

import (
	"time"

	"github.com/google/uuid"
)

// fact is what one question contributes to the rollups, read from the base tables: when
// it was submitted, first claimed and first delivered (and by whom), how it ended, when
// it was disputed and rated. A question's rollup contributions depend on nothing else,
// so the rollups are a sum of facts, and a change of a question is the difference
// between its old and new fact.
type fact struct {
	Subject         string
	SubmittedAt     time.Time
	Deadline        time.Time
	FirstClaimAt    *time.Time
	FirstDeliveryAt *time.Time
	DeliveredBy     *uuid.UUID
	// Outcome is ACCEPTED, CANCELLED, DECLINED or EXPIRED once the question ended so,
	// at ClosedAt; AcceptedBy is the expert of an accepted answer.
	Outcome    string
	ClosedAt   *time.Time
	AcceptedBy *uuid.UUID
	DisputedAt *time.Time
	// RatedAt, Stars and RatedExpert describe the client's rating, if any.
	RatedAt     *time.Time
	Stars       int
	RatedExpert *uuid.UUID
}

// Outcomes the rollups count.
const (
	outcomeAccepted  = "ACCEPTED"
	outcomeCancelled = "CANCELLED"
	outcomeDeclined  = "DECLINED"
	outcomeExpired   = "EXPIRED"
)

// counted reports whether status is an outcome the rollups count.
func counted(status string) bool {
	switch status {
	case outcomeAccepted, outcomeCancelled, outcomeDeclined, outcomeExpired:
		return true
	}
	return false
}

// dayOf is the UTC day of t, as the rollups key it.
func dayOf(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// addTo adds f's contributions, times sign (+1 or -1), to d.
func (f fact) addTo(d *delta, sign int64) {
	day := d.day(f.Subject, f.SubmittedAt)
	day.Submitted += sign
	if f.FirstClaimAt != nil {
		d.duration(f.Subject, kindClaim, *f.FirstClaimAt, f.FirstClaimAt.Sub(f.SubmittedAt), sign)
	}
	if f.FirstDeliveryAt != nil {
		at := *f.FirstDeliveryAt
		if f.FirstClaimAt != nil {
			d.duration(f.Subject, kindDeliver, at, at.Sub(*f.FirstClaimAt), sign)
		}
		onTime := at.Before(f.Deadline)
		if !onTime {
			d.day(f.Subject, at).Breaches += sign
		}
		if f.DeliveredBy != nil {
			e := d.expert(*f.DeliveredBy, at)
			e.Delivered += sign
			if onTime {
				e.OnTime += sign
			}
		}
	}
	if f.Outcome != "" && f.ClosedAt != nil {
		day := d.day(f.Subject, *f.ClosedAt)
		switch f.Outcome {
		case outcomeAccepted:
			day.Accepted += sign
			if f.AcceptedBy != nil {
				d.expert(*f.AcceptedBy, *f.ClosedAt).Accepted += sign
			}
		case outcomeCancelled:
			day.Cancelled += sign
		case outcomeDeclined:
			day.Declined += sign
		case outcomeExpired:
			day.Expired += sign
			day.Breaches += sign
		}
	}
	if f.DisputedAt != nil {
		d.day(f.Subject, *f.DisputedAt).Disputed += sign
	}
	if f.RatedAt != nil && f.RatedExpert != nil {
		e := d.expert(*f.RatedExpert, *f.RatedAt)
		e.Ratings += sign
		e.Stars += sign * int64(f.Stars)
	}
}

// ledgerFact is what one ledger transaction contributes: credits captured from escrow
// (of which fees), refunded to a client, or paid out to an expert, on its day.
type ledgerFact struct {
	Subject string // the question's; "" for a payout
	At      time.Time
	Kind    string
	// Gross is the sum of the transaction's credits (positive legs); Fees the part that
	// went to the platform's revenue.
	Gross, Fees int64
}

// Ledger transaction kinds the rollups count.
const (
	ledgerCapture       = "CAPTURE"
	ledgerRelease       = "RELEASE"
	ledgerPayoutApprove = "PAYOUT_APPROVE"
)

// countedLedger reports whether a transaction of kind counts in the rollups.
func countedLedger(kind string) bool {
	return kind == ledgerCapture || kind == ledgerRelease || kind == ledgerPayoutApprove
}

// addTo adds l's contributions to d.
func (l ledgerFact) addTo(d *delta) {
	day := d.day(l.Subject, l.At)
	switch l.Kind {
	case ledgerCapture:
		day.Captured += l.Gross
		day.Fees += l.Fees
	case ledgerRelease:
		day.Refunded += l.Gross
	case ledgerPayoutApprove:
		day.Payouts += l.Gross
	}
}
