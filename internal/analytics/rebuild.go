package analytics

import (
	"context"
	"errors"
	"fmt"

	"backbone/ent"
	"backbone/internal/db"
)

// RebuildStats says what a rebuild counted.
type RebuildStats struct {
	Questions, LedgerEntries int
}

// ledgerSelect reads the counted ledger transactions with their figures: the credits
// moved (positive postings) and those credited to the platform's revenue.
const ledgerSelect = `SELECT t.id, t.kind, t.created_at, COALESCE(q.subject, ''),
	SUM(CASE WHEN p.amount > 0 THEN p.amount ELSE 0 END),
	SUM(CASE WHEN p.amount > 0 AND a.kind = 'REVENUE' THEN p.amount ELSE 0 END)
FROM ledger_transactions t
JOIN postings p ON p.transaction_id = t.id
JOIN accounts a ON a.id = p.account_id
LEFT JOIN questions q ON q.id = t.question_id
WHERE t.kind IN ('CAPTURE', 'RELEASE', 'PAYOUT_APPROVE')
GROUP BY t.id, t.kind, t.created_at, q.subject`

// Rebuild recomputes every rollup from the base tables in one transaction: the rollups
// are emptied, each question's facts are written (factSelect), and the rollups are
// summed from them and from the ledger. Concurrent consumers wait for it (or it for
// them) on the rows both write, and count their events against the rebuilt facts.
func (s *Service) Rebuild(ctx context.Context) (RebuildStats, error) {
	ctx = db.System(ctx)
	var out RebuildStats
	err := db.InTx(ctx, s.db.Client, func(tx *ent.Client) error {
		out = RebuildStats{}
		for _, table := range []string{"analytics_days", "analytics_durations", "analytics_expert_days", "analytics_expert_months", "analytics_questions", "analytics_ledger_entries"} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return fmt.Errorf("empty %s: %w", table, err)
			}
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO analytics_questions ("+factColumns+") "+factSelect); err != nil {
			return fmt.Errorf("write facts: %w", err)
		}
		d := newDelta()
		n, err := scanAll(ctx, tx, "SELECT "+factColumns+" FROM analytics_questions", func(r scanner) error {
			_, f, err := scanFact(r)
			f.addTo(d, 1)
			return err
		})
		if err != nil {
			return err
		}
		out.Questions = n
		if _, err := tx.ExecContext(ctx, `INSERT INTO analytics_ledger_entries (id)
			SELECT id FROM ledger_transactions WHERE kind IN ('CAPTURE', 'RELEASE', 'PAYOUT_APPROVE')`); err != nil {
			return fmt.Errorf("write ledger entries: %w", err)
		}
		n, err = scanAll(ctx, tx, ledgerSelect, func(r scanner) error {
			var (
				id string
				l  ledgerFact
				at timeValue
			)
			if err := r.Scan(&id, &l.Kind, &at, &l.Subject, &l.Gross, &l.Fees); err != nil {
				return fmt.Errorf("scan ledger: %w", err)
			}
			if at.t == nil {
				return fmt.Errorf("ledger transaction %s has no time", id)
			}
			l.At = *at.t
			l.addTo(d)
			return nil
		})
		if err != nil {
			return err
		}
		out.LedgerEntries = n
		return insertAll(ctx, tx, d)
	})
	if err != nil {
		return RebuildStats{}, fmt.Errorf("analytics.Rebuild: %w", err)
	}
	if s.memo != nil {
		// Cached reads of the old rollups go; an instance the bus does not reach serves
		// them until CacheTTL ends.
		if err := s.memo.Invalidate(ctx, cacheTag); err != nil {
			return out, fmt.Errorf("analytics.Rebuild: rebuilt, but the cached figures were not dropped everywhere: %w", err)
		}
	}
	return out, nil
}

type scanner interface{ Scan(...any) error }

// scanAll runs query in tx and calls each for every row; it returns the row count.
func scanAll(ctx context.Context, tx *ent.Client, query string, each func(scanner) error) (int, error) {
	rows, err := tx.QueryContext(ctx, query)
	if err != nil {
		return 0, fmt.Errorf("rebuild query: %w", err)
	}
	n := 0
	for rows.Next() {
		if err := each(rows); err != nil {
			_ = rows.Close()
			return n, err
		}
		n++
	}
	return n, errors.Join(rows.Err(), rows.Close())
}
