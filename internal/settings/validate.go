package settings

import (
	"math"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"backbone/internal/errs"
)

// Bounds of the settings, checked by Validate.
const (
	MaxSubjects      = 100
	MaxSubjectLength = 60
	MaxPrice         = 1_000_000 // credits
	MinLease         = time.Minute
	MaxLease         = 7 * 24 * time.Hour
	MaxClaims        = 100
	MaxRevisions     = 20
	MaxDailyTokens   = 2_000_000_000
	MaxQuestionsHour = 10_000
	MinAutoAccept    = time.Minute
	MaxAutoAccept    = 90 * 24 * time.Hour
)

// Validate checks every setting and returns a BAD_USER_INPUT error whose "field"
// extension names the first that is wrong.
func Validate(s Settings) error {
	if err := validateSubjects(s.Subjects); err != nil {
		return err
	}
	if err := validatePrices(s.Subjects, s.Prices); err != nil {
		return err
	}
	switch {
	case s.PlatformFeeBPS < 0 || s.PlatformFeeBPS > 10000:
		return bad("platformFeeBps", "the platform fee must be 0 to 10000 basis points")
	case s.Lease < MinLease || s.Lease > MaxLease:
		return bad("leaseSeconds", "the lease must be 1 minute to 7 days")
	case s.LeaseWarning < 0 || s.LeaseWarning > MaxLease:
		return bad("leaseWarningSeconds", "the lease warning must be 0 (none) to 7 days")
	case s.MaxActiveClaims < 1 || s.MaxActiveClaims > MaxClaims:
		return bad("maxActiveClaims", "the claim limit must be 1 to 100")
	case s.RevisionLimit < 0 || s.RevisionLimit > MaxRevisions:
		return bad("revisionLimit", "the revision limit must be 0 to 20")
	case s.AutoAcceptDelay < MinAutoAccept || s.AutoAcceptDelay > MaxAutoAccept:
		return bad("autoAcceptSeconds", "the auto-accept delay must be 1 minute to 90 days")
	case math.IsNaN(s.OriginalityThreshold) || s.OriginalityThreshold < 0 || s.OriginalityThreshold > 1:
		return bad("originalityThreshold", "the originality threshold must be 0 to 1")
	case s.AIDailyTokenBudget < 0 || s.AIDailyTokenBudget > MaxDailyTokens:
		return bad("aiDailyTokenBudget", "the daily token budget must be 0 (unlimited) to 2,000,000,000")
	case s.QuestionsPerHour < 0 || s.QuestionsPerHour > MaxQuestionsHour:
		return bad("questionsPerHour", "the questions per hour must be 0 (unlimited) to 10000")
	}
	return validatePacks(s.CreditPacks)
}

func validateSubjects(subjects []string) error {
	if len(subjects) == 0 || len(subjects) > MaxSubjects {
		return bad("subjects", "there must be 1 to 100 subjects")
	}
	seen := make(map[string]bool, len(subjects))
	for _, s := range subjects {
		if s != strings.TrimSpace(s) || s == "" || utf8.RuneCountInString(s) > MaxSubjectLength {
			return bad("subjects", "a subject must be 1 to 60 characters, without surrounding spaces")
		}
		if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
			return bad("subjects", "a subject must not contain control characters")
		}
		k := strings.ToLower(s)
		if seen[k] {
			return bad("subjects", "subjects must differ (ignoring case)")
		}
		seen[k] = true
	}
	return nil
}

func validatePrices(subjects []string, prices Prices) error {
	if len(prices) != len(subjects) {
		return bad("prices", "prices must be given for the subjects, and only for them")
	}
	for _, sub := range subjects {
		byUrgency := prices[sub]
		if len(byUrgency) != len(Urgencies) {
			return bad("prices", "every subject needs a price at every urgency")
		}
		for _, u := range Urgencies {
			c, ok := byUrgency[u]
			if !ok {
				return bad("prices", "every subject needs a price at every urgency")
			}
			if c < 1 || c > MaxPrice {
				return bad("prices", "a price must be 1 to 1000000 credits")
			}
		}
	}
	return nil
}

// bad is a BAD_USER_INPUT error about field.
func bad(field, msg string) error {
	return errs.E(errs.BadUserInput, msg).With("field", field)
}
