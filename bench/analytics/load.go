package main

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"
)

// question is one generated question: when each step of its life happened (zero: never).
type question struct {
	id, client, expert                  uuid.UUID
	subject                             string
	created, claimed, delivered, closed time.Time
	status                              string
	stars                               int
	disputed                            bool
}

// shape of the generated marketplace: most questions are answered and accepted, some
// cancelled, declined, expired or disputed; claims take minutes to hours, answers hours.
var subjects = []string{"physics", "chemistry", "biology", "mathematics", "history", "economics", "law", "medicine"}

const price, fee = 20, 4 // credits, and the platform's 20% of them

// generate makes n questions over days days ending at end, for clients and experts.
func generate(n, days int, end time.Time, clients, experts []uuid.UUID) []question {
	r := rand.New(rand.NewPCG(1, 2))
	start := end.Add(-time.Duration(days) * 24 * time.Hour)
	span := end.Sub(start)
	exp := func(mean time.Duration) time.Duration { return time.Duration(r.ExpFloat64() * float64(mean)) }
	out := make([]question, n)
	for i := range out {
		q := &out[i]
		q.id = uuid.Must(uuid.NewV7())
		q.client = clients[r.IntN(len(clients))]
		q.subject = subjects[i%len(subjects)]
		q.created = start.Add(time.Duration(r.Int64N(int64(span - 48*time.Hour)))).Truncate(time.Microsecond)
		roll := r.IntN(100)
		switch {
		case roll < 5:
			q.status, q.closed = "CANCELLED", q.created.Add(exp(10*time.Minute))
			continue
		case roll < 8:
			q.status, q.closed = "EXPIRED", q.created.Add(24*time.Hour)
			continue
		}
		q.expert = experts[r.IntN(len(experts))]
		q.claimed = q.created.Add(exp(40 * time.Minute)).Truncate(time.Microsecond)
		if roll < 13 {
			q.status, q.closed = "DECLINED", q.claimed.Add(exp(time.Hour))
			continue
		}
		q.delivered = q.claimed.Add(exp(4 * time.Hour)).Truncate(time.Microsecond)
		q.closed = q.delivered.Add(exp(2 * time.Hour)).Truncate(time.Microsecond)
		switch {
		case roll < 16:
			q.status, q.disputed = "RESOLVED", true
			q.closed = q.delivered.Add(time.Hour + exp(2*time.Hour)).Truncate(time.Microsecond)
		default:
			q.status = "ACCEPTED"
			if r.IntN(10) < 7 {
				q.stars = 1 + r.IntN(5)
			}
		}
	}
	return out
}

// copyRows streams rows into table with COPY, in tx.
func copyRows(ctx context.Context, tx *sql.Tx, table string, cols []string, each func(emit func(...any) error) error) error {
	stmt, err := tx.PrepareContext(ctx, pq.CopyIn(table, cols...))
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	err = each(func(v ...any) error { _, err := stmt.ExecContext(ctx, v...); return err })
	if err == nil {
		_, err = stmt.ExecContext(ctx)
	}
	if cerr := stmt.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("copy %s: %w", table, err)
	}
	return nil
}

// accountID derives an account id the way no real account is named (the bench's own).
func accountID(parts ...string) uuid.UUID {
	name := ""
	for _, p := range parts {
		name += p + ":"
	}
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(name))
}

// load writes the questions with their claims, answers, ratings, disputes, accounts and
// ledger postings (hold at submission; capture with the fee on acceptance or the
// resolution; release of refunds), plus a monthly approved payout per expert.
func load(ctx context.Context, d *sql.DB, qs []question, experts []uuid.UUID, end time.Time) error {
	tx, err := d.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	revenue, external := accountID("revenue"), accountID("external")
	err = copyRows(ctx, tx, "accounts", []string{"id", "created_at", "updated_at", "kind", "question_id", "balance", "owner_id"}, func(emit func(...any) error) error {
		t := end.Add(-400 * 24 * time.Hour)
		if err := emit(revenue, t, t, "REVENUE", nil, 0, nil); err != nil {
			return err
		}
		if err := emit(external, t, t, "EXTERNAL", nil, 0, nil); err != nil {
			return err
		}
		seen := map[uuid.UUID]bool{}
		for _, q := range qs {
			if !seen[q.client] {
				seen[q.client] = true
				if err := emit(accountID("wallet", q.client.String()), t, t, "WALLET", nil, 0, q.client); err != nil {
					return err
				}
			}
			if err := emit(accountID("escrow", q.id.String()), q.created, q.created, "ESCROW", q.id, 0, q.client); err != nil {
				return err
			}
		}
		for _, e := range experts {
			if err := emit(accountID("earnings", e.String()), t, t, "EARNINGS", nil, 0, e); err != nil {
				return err
			}
			if err := emit(accountID("payout", e.String()), t, t, "PAYOUT", nil, 0, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "questions", []string{"id", "created_at", "updated_at", "subject", "title", "body", "urgency",
		"deadline", "price", "status", "revision_count", "delivered_at", "closed_at", "client_id", "expert_id", "ai_assisted"},
		func(emit func(...any) error) error {
			for _, q := range qs {
				if err := emit(q.id, q.created, q.closed, q.subject, "Bench question", "Why is the sky blue?", "NORMAL",
					q.created.Add(24*time.Hour), price, q.status, 0, nullTime(q.delivered), nullTime(q.closed),
					q.client, nullID(q.expert), false); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "assignments", []string{"id", "created_at", "updated_at", "expert_id", "claimed_at", "lease_expires_at", "outcome", "ended_at", "question_id"},
		func(emit func(...any) error) error {
			for _, q := range qs {
				if q.claimed.IsZero() {
					continue
				}
				outcome, ended := "SUBMITTED", q.delivered
				if q.delivered.IsZero() {
					outcome, ended = "DECLINED", q.closed
				}
				if err := emit(uuid.Must(uuid.NewV7()), q.claimed, ended, q.expert, q.claimed, q.claimed.Add(time.Hour), outcome, ended, q.id); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "answer_revisions", []string{"id", "created_at", "kind", "body", "author_id", "question_id"},
		func(emit func(...any) error) error {
			for _, q := range qs {
				if !q.delivered.IsZero() {
					if err := emit(uuid.Must(uuid.NewV7()), q.delivered, "EXPERT", "Shorter wavelengths scatter more.", q.expert, q.id); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "ratings", []string{"id", "created_at", "question_id", "client_id", "expert_id", "stars"},
		func(emit func(...any) error) error {
			for _, q := range qs {
				if q.stars > 0 {
					if err := emit(uuid.Must(uuid.NewV7()), q.closed, q.id, q.client, q.expert, q.stars); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "disputes", []string{"id", "created_at", "updated_at", "question_id", "client_id", "expert_id", "reason", "status", "refund", "note", "resolved_at"},
		func(emit func(...any) error) error {
			for _, q := range qs {
				if q.disputed {
					opened := q.delivered.Add(time.Hour)
					if err := emit(uuid.Must(uuid.NewV7()), opened, q.closed, q.id, q.client, q.expert, "wrong", "RESOLVED", price/2, "half", q.closed); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return loadLedger(ctx, tx, qs, experts, end, revenue, external)
}

// posting is one leg of a generated ledger transaction.
type posting struct {
	account, owner uuid.UUID
	amount         int64
}

func loadLedger(ctx context.Context, tx *sql.Tx, qs []question, experts []uuid.UUID, end time.Time, revenue, external uuid.UUID) error {
	type entry struct {
		id       uuid.UUID
		at       time.Time
		kind     string
		question uuid.UUID
		legs     []posting
	}
	var entries []entry
	add := func(at time.Time, kind string, q uuid.UUID, legs ...posting) {
		entries = append(entries, entry{uuid.Must(uuid.NewV7()), at, kind, q, legs})
	}
	for _, q := range qs {
		wallet, escrow := accountID("wallet", q.client.String()), accountID("escrow", q.id.String())
		add(q.created, "HOLD", q.id, posting{wallet, q.client, -price}, posting{escrow, q.client, price})
		switch q.status {
		case "ACCEPTED":
			add(q.closed, "CAPTURE", q.id, posting{escrow, q.client, -price},
				posting{accountID("earnings", q.expert.String()), q.expert, price - fee}, posting{revenue, uuid.Nil, fee})
		case "RESOLVED":
			add(q.closed, "RELEASE", q.id, posting{escrow, q.client, -price / 2}, posting{wallet, q.client, price / 2})
			add(q.closed, "CAPTURE", q.id, posting{escrow, q.client, -price / 2},
				posting{accountID("earnings", q.expert.String()), q.expert, price/2 - fee/2}, posting{revenue, uuid.Nil, fee / 2})
		default: // cancelled, declined, expired: all back
			add(q.closed, "RELEASE", q.id, posting{escrow, q.client, -price}, posting{wallet, q.client, price})
		}
	}
	for _, e := range experts {
		for m := 1; m <= 12; m++ {
			at := end.AddDate(0, -m, 0)
			add(at, "PAYOUT_APPROVE", uuid.Nil, posting{accountID("payout", e.String()), e, -100}, posting{external, uuid.Nil, 100})
		}
	}
	err := copyRows(ctx, tx, "ledger_transactions", []string{"id", "created_at", "kind", "question_id"}, func(emit func(...any) error) error {
		for _, e := range entries {
			if err := emit(e.id, e.at, e.kind, nullID(e.question)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = copyRows(ctx, tx, "postings", []string{"id", "created_at", "owner_id", "kind", "question_id", "amount", "account_id", "transaction_id"},
		func(emit func(...any) error) error {
			for _, e := range entries {
				for _, l := range e.legs {
					if err := emit(uuid.Must(uuid.NewV7()), e.at, nullID(l.owner), e.kind, nullID(e.question), l.amount, l.account, e.id); err != nil {
						return err
					}
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	return tx.Commit()
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func nullID(id uuid.UUID) any {
	if id == uuid.Nil {
		return nil
	}
	return id
}
