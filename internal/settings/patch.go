package settings

import (
	"slices"
	"time"
)

// Patch is an admin's change to the settings; nil fields stay as they are.
type Patch struct {
	// Subjects replaces the list of subjects. The prices of a removed subject are
	// dropped; a new subject needs a price at every urgency in Prices.
	Subjects []string
	// Prices sets these prices; the others stay.
	Prices               []Price
	PlatformFeeBPS       *int
	Lease                *time.Duration
	LeaseWarning         *time.Duration
	MaxActiveClaims      *int
	RevisionLimit        *int
	AutoAcceptDelay      *time.Duration
	AIPipelineEnabled    *bool
	OriginalityThreshold *float64
	AIDailyTokenBudget   *int64
	QuestionsPerHour     *int
	// CreditPacks replaces the credit packs (currencies are lower-cased).
	CreditPacks []CreditPack
}

// Apply returns s changed by p. It does not validate: see Validate.
func (p Patch) Apply(s Settings) Settings {
	s = s.clone()
	// Subjects match in any case (Settings.Subject): a kept subject keeps its prices under
	// its new spelling, and a price names its subject in any case.
	if p.Subjects != nil {
		old := s.Prices
		s.Subjects = slices.Clone(p.Subjects)
		s.Prices = make(Prices, len(s.Subjects))
		for sub, byUrgency := range old {
			if name, ok := s.Subject(sub); ok {
				s.Prices[name] = byUrgency
			}
		}
	}
	for _, pr := range p.Prices {
		if name, ok := s.Subject(pr.Subject); ok {
			pr.Subject = name
		}
		if s.Prices[pr.Subject] == nil {
			s.Prices[pr.Subject] = map[Urgency]int64{}
		}
		s.Prices[pr.Subject][pr.Urgency] = pr.Credits
	}
	set(&s.PlatformFeeBPS, p.PlatformFeeBPS)
	set(&s.Lease, p.Lease)
	set(&s.LeaseWarning, p.LeaseWarning)
	set(&s.MaxActiveClaims, p.MaxActiveClaims)
	set(&s.RevisionLimit, p.RevisionLimit)
	set(&s.AutoAcceptDelay, p.AutoAcceptDelay)
	set(&s.AIPipelineEnabled, p.AIPipelineEnabled)
	set(&s.OriginalityThreshold, p.OriginalityThreshold)
	set(&s.AIDailyTokenBudget, p.AIDailyTokenBudget)
	set(&s.QuestionsPerHour, p.QuestionsPerHour)
	if p.CreditPacks != nil {
		s.CreditPacks = normalizePacks(p.CreditPacks)
	}
	return s
}

// set copies *v to *dst when v is not nil.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
