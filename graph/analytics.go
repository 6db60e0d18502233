package graph

import (
	"context"

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
	out := make([]*model.LeaderboardEntry, len(leaders))
	for i, l := range leaders {
		expert, err := r.loaders(ctx).users.Load(ctx, l.ExpertID)
		if err != nil {
			return nil, err
		}
		out[i] = &model.LeaderboardEntry{Expert: expert, Accepted: int(l.Accepted), Delivered: int(l.Delivered),
			OnTime: int(l.OnTime), OnTimeRate: l.OnTimeRate(), RatingCount: int(l.Ratings), AverageStars: l.AverageStars()}
	}
	return out, nil
}
