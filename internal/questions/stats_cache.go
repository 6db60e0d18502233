package questions

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"backbone/internal/events"
	"backbone/internal/memo"
)

// StatsTTL is how long an expert's figures are served from the cache. Changes to the
// expert's questions drop them sooner (question.updated, once the outbox relays it);
// the TTL bounds what that misses: a lost bus message, a question another expert
// finished after this one answered it, and a period open until now, whose To is when
// the figures were computed.
const StatsTTL = 30 * time.Second

// cachedExpertStats returns q's figures from the Stats memo, keyed by expert and period;
// untilNow marks a period without an end (q.To is now), cached as one key.
func (s *Service) cachedExpertStats(ctx context.Context, q ExpertStats, untilNow bool) (ExpertStats, error) {
	compute := func(ctx context.Context) (ExpertStats, error) { return s.computeExpertStats(ctx, q) }
	if s.stats == nil {
		return compute(ctx)
	}
	key := q.ExpertID.String() + "|" + periodEdge(q.From, false) + "|" + periodEdge(&q.To, untilNow)
	return memo.Get(ctx, s.stats, key, StatsTTL, compute, expertTag(q.ExpertID))
}

// periodEdge spells one end of a period in a cache key.
func periodEdge(t *time.Time, open bool) string {
	if t == nil || open {
		return "open"
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// expertTag tags every cached figure of one expert.
func expertTag(id uuid.UUID) string { return "expert:" + id.String() }

// statsTags names the expert whose figures a question.updated event outdates: the one
// who holds or last held the question (its claim, delivery, acceptance with its rating
// and earnings, revision, dispute and resolution all change state).
func statsTags(payload []byte) []string {
	var e events.QuestionUpdated
	if err := json.Unmarshal(payload, &e); err != nil || e.ExpertID == nil {
		return nil
	}
	return []string{expertTag(*e.ExpertID)}
}
