package graph

import (
	"context"

	"github.com/google/uuid"

	"backbone/graph/model"
	"backbone/internal/analytics"
)

// Admin analytics: conversions of the rollups' figures to the GraphQL types.

// analyticsPoint converts one period's figures.
func analyticsPoint(p analytics.Point) *model.AnalyticsPoint {
	return &model.AnalyticsPoint{
		Start: p.Start, End: p.End,
		Submitted: int(p.Submitted), Accepted: int(p.Accepted), Cancelled: int(p.Cancelled),
		Declined: int(p.Declined), Expired: int(p.Expired), Disputed: int(p.Disputed),
		CreditsSpent: int(p.Captured), PlatformRevenue: int(p.Fees), Refunds: int(p.Refunded),
		PayoutsApproved: int(p.Payouts), DeadlineBreaches: int(p.Breaches),
		MedianSecondsToClaim: p.MedianToClaim, MedianSecondsToDeliver: p.MedianToDeliver,
	}
}

// leaderboard converts the leaders, loading their users in one batch.
func (r *Resolver) leaderboard(ctx context.Context, leaders []analytics.Leader) ([]*model.LeaderboardEntry, error) {
	ids := make([]uuid.UUID, len(leaders))
	for i, l := range leaders {
		ids[i] = l.ExpertID
	}
	// One batch for all: a Load per leader would wait out the loader's batch window each.
	experts, err := r.loaders(ctx).users.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.LeaderboardEntry, len(leaders))
	for i, l := range leaders {
		out[i] = &model.LeaderboardEntry{Expert: experts[i], Accepted: int(l.Accepted), Delivered: int(l.Delivered),
			OnTime: int(l.OnTime), OnTimeRate: l.OnTimeRate(), RatingCount: int(l.Ratings), AverageStars: l.AverageStars()}
	}
	return out, nil
}
