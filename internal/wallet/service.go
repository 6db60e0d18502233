// Package wallet is the double-entry ledger: credits bought or granted into wallets, held in
// a question's escrow, captured for the expert less the platform fee, released back, and
// paid out to experts. Every operation is one database transaction and takes an
// idempotency key.
package wallet

import (
	"context"
	"fmt"
	"log/slog"
	"math"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/payment"
	"backbone/internal/settings"
)

// DefaultFeeBPS is the platform fee when Options leave it unset: 2000 basis points, 20%.
const DefaultFeeBPS = 2000

// MaxAmount bounds a single operation's credits, far below int64 overflow even once
// multiplied by a fee rate.
const MaxAmount = int64(1_000_000_000_000)

// Options tune the wallet service; zero values take the defaults.
type Options struct {
	// FeeBPS is the platform's share of a capture in basis points (1..10000, default
	// DefaultFeeBPS). Rounding is in the expert's favour: see Fee.
	FeeBPS int
}

// Deps are what the service is built from.
type Deps struct {
	Client *ent.Client
	// Provider charges buyers; payment.NewDevProvider outside production.
	Provider payment.Provider
	// Settings gives the credit packs; nil means the default settings.
	Settings SettingsSource
	Log      *slog.Logger
}

// SettingsSource reads the marketplace's settings (settings.Service).
type SettingsSource interface {
	Get(ctx context.Context) (settings.Settings, error)
}

// Service moves credits. It is safe for concurrent use.
type Service struct {
	client   *ent.Client
	provider payment.Provider
	settings SettingsSource
	log      *slog.Logger
	feeBPS   int
}

// NewService returns the wallet service, or an error when an option is out of range.
func NewService(d Deps, opts Options) (*Service, error) {
	if opts.FeeBPS == 0 {
		opts.FeeBPS = DefaultFeeBPS
	}
	if opts.FeeBPS < 1 || opts.FeeBPS > 10000 {
		return nil, fmt.Errorf("wallet: fee of %d basis points is outside 1..10000", opts.FeeBPS)
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{client: d.Client, provider: d.Provider, settings: d.Settings, log: d.Log, feeBPS: opts.FeeBPS}, nil
}

// FeeBPS returns the platform fee rate in basis points.
func (s *Service) FeeBPS() int { return s.feeBPS }

// Receipt is the outcome of a money operation.
type Receipt struct {
	// TransactionID is the ledger transaction the operation wrote.
	TransactionID uuid.UUID `json:"transactionId"`
	// Amount is the credits taken from the source account.
	Amount int64 `json:"amount"`
	// Fee is the platform's share (captures only); the expert got Amount - Fee.
	Fee int64 `json:"fee,omitempty"`
	// Replayed is true when an earlier call with the same idempotency key made this
	// receipt and nothing moved this time.
	Replayed bool `json:"-"`
}

// newID returns a time-ordered UUIDv7, as the schema's IDMixin does.
func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// inTx runs fn in a transaction of the service's own (db.InTx: a deadlock aborted the
// whole transaction, idempotency claim included, so running it again is safe), for the
// convenience variants of the operations that can also join a caller's transaction.
func inTx[T any](ctx context.Context, c *ent.Client, op string, fn func(tx *ent.Client) (T, error)) (T, error) {
	out, err := db.InTxValue(ctx, c, fn)
	return out, errs.Wrap(op, err)
}

// MaxPayout is the most one payout asks for: the largest GraphQL Int (32 bits), the most
// requestPayout(amount:) can say, so its error names a bound a client can reach.
const MaxPayout = int64(math.MaxInt32)

// checkAmount refuses amounts that are not a positive number of credits.
func checkAmount(n int64) error {
	return checkAmountUpTo(n, MaxAmount)
}

// checkAmountUpTo refuses amounts that are not 1 to most credits.
func checkAmountUpTo(n, most int64) error {
	if n <= 0 || n > most {
		return errs.Ef(errs.BadUserInput, "amount must be between 1 and %d credits", most).With("field", "amount")
	}
	return nil
}

// checkPartAmount checks the amount of a capture or release: zero takes the whole
// escrow, anything else must be a valid amount.
func checkPartAmount(n int64) error {
	if n == 0 {
		return nil
	}
	return checkAmount(n)
}
