// Package settings holds the marketplace's settings: subjects, prices, fees, leases and
// limits, with defaults in code, admins' changes in the database, and a short cache.
package settings

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// Urgency is how soon a client needs an answer; the price grows with it.
type Urgency string

// The urgency levels, from the cheapest.
const (
	UrgencyLow    Urgency = "LOW"
	UrgencyNormal Urgency = "NORMAL"
	UrgencyHigh   Urgency = "HIGH"
	UrgencyUrgent Urgency = "URGENT"
)

// Urgencies lists every urgency level, from the cheapest.
var Urgencies = []Urgency{UrgencyLow, UrgencyNormal, UrgencyHigh, UrgencyUrgent}

// Valid reports whether u is one of Urgencies.
func (u Urgency) Valid() bool { return slices.Contains(Urgencies, u) }

// Prices is the price in credits of a question, by subject then urgency.
type Prices map[string]map[Urgency]int64

// Price is one cell of Prices.
type Price struct {
	Subject string
	Urgency Urgency
	Credits int64
}

// Settings are the marketplace's settings. Values returned by Service.Get are copies:
// changing one changes nothing else.
type Settings struct {
	// Subjects that experts declare and questions are asked in, in display order.
	Subjects []string
	// Prices holds a price for every subject at every urgency.
	Prices Prices
	// PlatformFeeBPS is the platform's share of an accepted answer's price, in basis
	// points (100 = 1%).
	PlatformFeeBPS int
	// Lease is how long an expert holds a claimed question before it returns to the queue.
	Lease time.Duration
	// LeaseWarning is how long before a lease ends its expert is told (LEASE_EXPIRING);
	// 0 tells no one. One at least as long as the lease tells the expert at once. It is
	// not bound to the lease, so that shortening the lease never fails on it.
	LeaseWarning time.Duration
	// MaxActiveClaims is how many questions one expert may hold claimed at once.
	MaxActiveClaims int
	// RevisionLimit is how many revisions a client may request of one answer.
	RevisionLimit int
	// AutoAcceptDelay is how long a delivered answer waits for the client before it is
	// accepted on their behalf.
	AutoAcceptDelay time.Duration
	// AIPipelineEnabled sends new questions through the AI draft, rewrite and
	// originality stages; off, they go straight to the experts.
	AIPipelineEnabled bool
	// OriginalityThreshold is the lowest originality score (0 to 1, 1 = wholly
	// original) an answer may have without being flagged.
	OriginalityThreshold float64
	// AIDailyTokenBudget caps the model tokens (prompt and completion) the AI stages may
	// use per UTC day; past it, new questions skip the AI stages. 0 = unlimited.
	AIDailyTokenBudget int64
	// CreditPacks are what credits cost, in the order buyers see them.
	CreditPacks []CreditPack
	// QuestionsPerHour is how many questions one client may submit per hour, on top of
	// the rate budget every operation is charged to; 0 = unlimited.
	QuestionsPerHour int
	// UpdatedAt is when an admin last changed a setting; zero if none ever did.
	UpdatedAt time.Time
	// Version is the number of the settings' newest version (see History): 0 while no
	// admin has changed a setting. Questions record it with the terms they were
	// submitted under.
	Version int
}

// Defaults are the settings when nothing is stored.
func Defaults() Settings {
	subjects := []string{"Mathematics", "Physics", "Chemistry", "Biology", "Computer Science",
		"Economics", "History", "Literature", "Law", "Languages"}
	prices := Prices{}
	for _, s := range subjects {
		prices[s] = map[Urgency]int64{UrgencyLow: 10, UrgencyNormal: 20, UrgencyHigh: 35, UrgencyUrgent: 50}
	}
	return Settings{
		Subjects:             subjects,
		Prices:               prices,
		PlatformFeeBPS:       2000,
		Lease:                30 * time.Minute,
		LeaseWarning:         5 * time.Minute,
		MaxActiveClaims:      3,
		RevisionLimit:        2,
		AutoAcceptDelay:      72 * time.Hour,
		AIPipelineEnabled:    true,
		OriginalityThreshold: 0.8,
		CreditPacks:          defaultCreditPacks(),
		QuestionsPerHour:     30,
	}
}

// Price returns the price in credits of a question of subject at urgency, and false
// when the subject or the urgency is unknown.
func (s Settings) Price(subject string, u Urgency) (int64, bool) {
	c, ok := s.Prices[subject][u]
	return c, ok
}

// HasSubject reports whether subject is one of the subjects, in any case (Subject).
func (s Settings) HasSubject(subject string) bool { _, ok := s.Subject(subject); return ok }

// Subject returns the settings' spelling of a subject, matched regardless of case: a
// subject is one thing whether a client writes "Physics" or an expert "physics".
func (s Settings) Subject(name string) (string, bool) {
	for _, sub := range s.Subjects {
		if strings.EqualFold(sub, strings.TrimSpace(name)) {
			return sub, true
		}
	}
	return "", false
}

// PriceList returns every price, in the order of Subjects then Urgencies.
func (s Settings) PriceList() []Price {
	out := make([]Price, 0, len(s.Subjects)*len(Urgencies))
	for _, sub := range s.Subjects {
		for _, u := range Urgencies {
			if c, ok := s.Price(sub, u); ok {
				out = append(out, Price{Subject: sub, Urgency: u, Credits: c})
			}
		}
	}
	return out
}

// clone returns a deep copy of s, so that callers cannot change the cached value.
func (s Settings) clone() Settings {
	c := s
	c.Subjects = slices.Clone(s.Subjects)
	c.CreditPacks = slices.Clone(s.CreditPacks)
	c.Prices = make(Prices, len(s.Prices))
	for sub, byUrgency := range s.Prices {
		c.Prices[sub] = maps.Clone(byUrgency)
	}
	return c
}
