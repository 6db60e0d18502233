package questions

import (
	"time"

	"backbone/ent"
	"backbone/internal/settings"
)

// Terms are the settings a question keeps from the version it was submitted under, so
// that a settings change applies to new questions only.
type Terms struct {
	// SettingsVersion is the settings version in force at submission (0: none yet).
	SettingsVersion int
	AutoAcceptDelay time.Duration
	RevisionLimit   int
	Lease           time.Duration
	PlatformFeeBPS  int
}

// termsOf returns the terms recorded on q, and false for a question submitted before
// settings were versioned (it has none).
func termsOf(q *ent.Question) (Terms, bool) {
	if q.SettingsVersion == nil || q.AutoAcceptSeconds == nil || q.RevisionLimit == nil ||
		q.LeaseSeconds == nil || q.PlatformFeeBps == nil {
		return Terms{}, false
	}
	return Terms{
		SettingsVersion: *q.SettingsVersion,
		AutoAcceptDelay: time.Duration(*q.AutoAcceptSeconds) * time.Second,
		RevisionLimit:   *q.RevisionLimit,
		Lease:           time.Duration(*q.LeaseSeconds) * time.Second,
		PlatformFeeBPS:  *q.PlatformFeeBps,
	}, true
}

// TermsOf is termsOf for the GraphQL layer.
func TermsOf(q *ent.Question) (Terms, bool) { return termsOf(q) }

// termsFrom are the terms a question submitted under set gets.
func termsFrom(set settings.Settings) Terms {
	return Terms{SettingsVersion: set.Version, AutoAcceptDelay: set.AutoAcceptDelay,
		RevisionLimit: set.RevisionLimit, Lease: set.Lease, PlatformFeeBPS: set.PlatformFeeBPS}
}

// termsFor returns q's own terms, or for a question that has none those of the current
// settings set.
func termsFor(q *ent.Question, set settings.Settings) Terms {
	if t, ok := termsOf(q); ok {
		return t
	}
	return termsFrom(set)
}

// recordTerms stores t on a new question.
func recordTerms(c *ent.QuestionCreate, t Terms) *ent.QuestionCreate {
	return c.SetSettingsVersion(t.SettingsVersion).SetAutoAcceptSeconds(int(t.AutoAcceptDelay / time.Second)).
		SetRevisionLimit(t.RevisionLimit).SetLeaseSeconds(int(t.Lease / time.Second)).
		SetPlatformFeeBps(t.PlatformFeeBPS)
}

// autoAcceptAt is when an answer delivered at deliveredAt to q is accepted for its
// client: nil for a question without terms, which the sweep times by the current
// settings instead.
func autoAcceptAt(q *ent.Question, deliveredAt time.Time) *time.Time {
	t, ok := termsOf(q)
	if !ok {
		return nil
	}
	at := deliveredAt.Add(t.AutoAcceptDelay)
	return &at
}
