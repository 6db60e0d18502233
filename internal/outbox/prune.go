package outbox

import (
	"context"
	"fmt"

	"backbone/ent"
	"backbone/ent/outboxmessage"
	"backbone/internal/db"
	"backbone/internal/timex"
)

// Prune deletes rows delivered longer than Retention ago and returns how many. Run it
// from a scheduled job.
func (r *Relay) Prune(ctx context.Context) (int, error) {
	n, err := r.db.Client.OutboxMessage.Delete().
		Where(outboxmessage.DeliveredAtLT(timex.Now().Add(-r.opts.Retention))).
		Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("outbox prune: %w", err)
	}
	if n > 0 {
		r.log.InfoContext(ctx, "outbox pruned", "rows", n)
	}
	return n, nil
}

// Pending returns how many rows are not delivered yet, for health and metrics.
func (r *Relay) Pending(ctx context.Context) (int, error) { return countPending(ctx, r.db.Client) }

func countPending(ctx context.Context, client *ent.Client) (int, error) {
	n, err := client.OutboxMessage.Query().Where(outboxmessage.DeliveredAtIsNil()).Count(db.System(ctx))
	if err != nil {
		return 0, fmt.Errorf("outbox pending: %w", err)
	}
	return n, nil
}
