package graph

import (
	"time"

	"backbone/graph/model"
	"backbone/internal/settings"
)

// Converters between the settings service and the GraphQL types.

// subjectPrices lists the prices of s, by subject then urgency.
func subjectPrices(s *settings.Settings) []*model.SubjectPrice {
	list := s.PriceList()
	out := make([]*model.SubjectPrice, len(list))
	for i, p := range list {
		out[i] = &model.SubjectPrice{Subject: p.Subject, Urgency: model.Urgency(p.Urgency), Credits: int(p.Credits)}
	}
	return out
}

// settingsPatch turns the updateSettings input into the service's patch.
func settingsPatch(in model.UpdateSettingsInput) settings.Patch {
	p := settings.Patch{
		PlatformFeeBPS:       in.PlatformFeeBps,
		MaxActiveClaims:      in.MaxActiveClaims,
		RevisionLimit:        in.RevisionLimit,
		AIPipelineEnabled:    in.AiPipelineEnabled,
		OriginalityThreshold: in.OriginalityThreshold,
		Lease:                seconds(in.LeaseSeconds),
		LeaseWarning:         seconds(in.LeaseWarningSeconds),
		AutoAcceptDelay:      seconds(in.AutoAcceptSeconds),
		QuestionsPerHour:     in.QuestionsPerHour,
	}
	if in.AiDailyTokenBudget != nil {
		budget := int64(*in.AiDailyTokenBudget)
		p.AIDailyTokenBudget = &budget
	}
	if in.Subjects != nil {
		// Non-nil even when empty: an empty list is a change (and refused), not no change.
		p.Subjects = append([]string{}, in.Subjects...)
	}
	if in.CreditPacks != nil {
		// Non-nil even when empty: no packs stops sales.
		p.CreditPacks = []settings.CreditPack{}
		for _, pk := range in.CreditPacks {
			if pk != nil {
				p.CreditPacks = append(p.CreditPacks, settings.CreditPack{ID: pk.ID, Credits: int64(pk.Credits), Price: int64(pk.Price), Currency: pk.Currency})
			}
		}
	}
	for _, pr := range in.Prices {
		if pr != nil {
			p.Prices = append(p.Prices, settings.Price{Subject: pr.Subject, Urgency: settings.Urgency(pr.Urgency), Credits: int64(pr.Credits)})
		}
	}
	return p
}

// seconds is n seconds as a duration, or nil.
func seconds(n *int) *time.Duration {
	if n == nil {
		return nil
	}
	d := time.Duration(*n) * time.Second
	return &d
}

// optionalTime is t, or nil when it is zero.
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
