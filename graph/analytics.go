package graph

import (
	"context"

	"github.com/google/uuid"

	"backbone/graph/model"
	"backbone/internal/analytics"
	"backbone/internal/errs"
)

// Admin analytics: conversions of the rollups' figures to the GraphQL types.

// analyticsPoints converts a series in two allocations, however long it is.
func analyticsPoints(points []analytics.Point) []*model.AnalyticsPoint {
	converted := make([]model.AnalyticsPoint, len(points))
	out := make([]*model.AnalyticsPoint, len(points))
	for i, p := range points {
		converted[i] = analyticsPoint(p)
		out[i] = &converted[i]
	}
	return out
}

// analyticsPoint converts one period's figures.
func analyticsPoint(p analytics.Point) model.AnalyticsPoint {
	return model.AnalyticsPoint{
		Start: p.Start, End: p.End,
		Submitted: int(p.Submitted), Accepted: int(p.Accepted), Cancelled: int(p.Cancelled),
		Declined: int(p.Declined), Expired: int(p.Expired), Disputed: int(p.Disputed),
		CreditsSpent: int(p.Captured), PlatformRevenue: int(p.Fees), Refunds: int(p.Refunded),
		PayoutsApproved: int(p.Payouts), DeadlineBreaches: int(p.Breaches),
		MedianSecondsToClaim: p.MedianToClaim, MedianSecondsToDeliver: p.MedianToDeliver,
	}
}

// leaderboard converts the leaders, reading their users in one query. It goes to the
// database directly, as primeQuestionPage does: through the loader the read would first
// sleep out its batch window (16 ms), which would be most of a cached leaderboard's time.
// The loader is primed, so the entries' fields find their users there.
func (r *Resolver) leaderboard(ctx context.Context, leaders []analytics.Leader) ([]*model.LeaderboardEntry, error) {
	ids := make([]uuid.UUID, len(leaders))
	for i, l := range leaders {
		ids[i] = l.ExpertID
	}
	l := r.loaders(ctx)
	experts, err := l.readUsers(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*model.LeaderboardEntry, len(leaders))
	for i, leader := range leaders {
		expert := experts[leader.ExpertID]
		if expert == nil {
			return nil, errs.E(errs.NotFound, "an expert on the leaderboard no longer exists")
		}
		l.users.Prime(expert.ID, expert)
		out[i] = &model.LeaderboardEntry{Expert: expert, Accepted: int(leader.Accepted), Delivered: int(leader.Delivered),
			OnTime: int(leader.OnTime), OnTimeRate: leader.OnTimeRate(), RatingCount: int(leader.Ratings), AverageStars: leader.AverageStars()}
	}
	return out, nil
}
