// Package questions is the marketplace's question lifecycle: submission, routing, claims
// under a lease, answers, revisions, acceptance, disputes and the sweeps that expire them.
package questions

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"backbone/ent"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/memo"
	"backbone/internal/ratelimit"
	"backbone/internal/settings"
	"backbone/internal/timex"
	"backbone/internal/wallet"
)

// Deps are what the service is built from.
type Deps struct {
	DB       *db.DB
	Wallet   *wallet.Service
	Settings *settings.Service
	// Limiter counts submissions per client for Settings.QuestionsPerHour (shared in
	// Redis between instances); nil: an in-process one.
	Limiter ratelimit.Limiter
	// Stats caches expertStats (see StatsTTL) and follows question.updated on its bus to
	// drop an expert's figures when their questions change; nil computes every time.
	Stats *memo.Memo
	Log   *slog.Logger
}

// Options tune the service; zero values take the defaults.
type Options struct {
	// Now is the clock, for tests; default time.Now().UTC().
	Now func() time.Time
}

// Service runs the question lifecycle. Every method that changes state is one database
// transaction that also writes its audit row and outbox events. Safe for concurrent use.
type Service struct {
	db       *db.DB
	wallet   *wallet.Service
	settings *settings.Service
	limiter  ratelimit.Limiter
	stats    *memo.Memo
	log      *slog.Logger
	clock    func() time.Time
}

// New returns the lifecycle service.
func New(d Deps, o Options) *Service {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if d.Limiter == nil {
		d.Limiter = ratelimit.NewMemory(0)
	}
	if d.Stats != nil {
		d.Stats.Follow(events.TopicQuestionUpdated, statsTags)
	}
	return &Service{db: d.DB, wallet: d.Wallet, settings: d.Settings, limiter: d.Limiter, stats: d.Stats, log: d.Log, clock: o.Now}
}

// now is the clock in UTC at the microsecond precision both databases keep.
func (s *Service) now() time.Time { return timex.Stored(s.clock()) }

// inTx runs fn in one transaction (db.InTx: again when PostgreSQL aborted it as a
// deadlock, or fn lost an insert race and returned db.ErrRetry) on the system context,
// and wraps its error with op. Entities fn returns are unwrapped from the transaction
// after commit by the caller (see unwrapQ).
func (s *Service) inTx(ctx context.Context, op string, fn func(ctx context.Context, tx *ent.Client) error) error {
	err := db.InTx(ctx, s.db.Client, func(tx *ent.Client) error { return fn(db.System(ctx), tx) })
	if errors.Is(err, db.ErrRetry) {
		err = errs.E(errs.Conflict, "a concurrent request changed this question; retry")
	}
	return errs.Wrap(op, err)
}

// txQuestionWith is txQuestion with the current settings, read before the transaction
// starts.
func (s *Service) txQuestionWith(ctx context.Context, op string, fn func(ctx context.Context, tx *ent.Client, set settings.Settings) (*ent.Question, error)) (*ent.Question, error) {
	set, err := s.current(ctx)
	if err != nil {
		return nil, errs.Wrap(op, err)
	}
	return s.txQuestion(ctx, op, func(ctx context.Context, tx *ent.Client) (*ent.Question, error) { return fn(ctx, tx, set) })
}

// txQuestion runs fn in a transaction and returns its question unwrapped from it, so
// that the caller can load edges after commit.
func (s *Service) txQuestion(ctx context.Context, op string, fn func(ctx context.Context, tx *ent.Client) (*ent.Question, error)) (*ent.Question, error) {
	var q *ent.Question
	err := s.inTx(ctx, op, func(ctx context.Context, tx *ent.Client) error {
		var err error
		q, err = fn(ctx, tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return unwrapQ(q), nil
}

// unwrapQ detaches q from a committed transaction; q may already be detached.
func unwrapQ(q *ent.Question) (out *ent.Question) {
	defer func() {
		if recover() != nil { // not a transactional entity
			out = q
		}
	}()
	return q.Unwrap()
}

// unwrapA detaches a from a committed transaction; a may already be detached.
func unwrapA(a *ent.Assignment) (out *ent.Assignment) {
	defer func() {
		if recover() != nil {
			out = a
		}
	}()
	return a.Unwrap()
}

// current reads the settings. Call it before a transaction, never inside one: on a cache
// miss it takes a pool connection of its own (see capture).
func (s *Service) current(ctx context.Context) (settings.Settings, error) {
	return s.settings.Get(ctx)
}
