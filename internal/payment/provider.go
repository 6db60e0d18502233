// Package payment is how credits are bought: a provider interface, a development
// provider, and the signed webhook through which real providers report payments.
package payment

import (
	"context"
	"errors"

	"github.com/google/uuid"
)

// Status is where a checkout stands.
type Status string

// Checkout statuses.
const (
	// Completed means the payment went through: credit the buyer now.
	Completed Status = "COMPLETED"
	// Pending means the buyer still has to pay (at RedirectURL); the provider reports the
	// payment later through the webhook.
	Pending Status = "PENDING"
)

// CheckoutRequest asks a provider to charge a user for credits.
type CheckoutRequest struct {
	UserID  uuid.UUID
	Credits int64
	// PurchaseID is the purchase being paid; providers echo it in their events (Stripe's
	// client_reference_id), which is how a payment finds its purchase.
	PurchaseID uuid.UUID
	// IdempotencyKey is the purchase's idempotency key, the same on every retry of one
	// purchase: providers pass it on as their own (Stripe's Idempotency-Key header), so
	// that a retry returns the same checkout.
	IdempotencyKey string
	// Pack names the credit pack bought; Amount (in minor units of Currency) is its price.
	// A provider that charges money refuses a request without them.
	Pack     string
	Amount   int64
	Currency string
}

// Checkout is a provider's answer to a CheckoutRequest.
type Checkout struct {
	Status Status `json:"status"`
	// ProviderRef is the provider's id for the payment.
	ProviderRef string `json:"providerRef,omitempty"`
	// RedirectURL is where the buyer pays, for a Pending checkout.
	RedirectURL string `json:"redirectUrl,omitempty"`
}

// Provider charges users for credits. A provider reports a payment either at once
// (Completed) or later through the webhook, never both, so that it is credited once.
type Provider interface {
	// Name identifies the provider in ledger memos and webhook idempotency scopes.
	Name() string
	// Checkout starts (or, for a known Reference, returns) a payment.
	Checkout(ctx context.Context, r CheckoutRequest) (Checkout, error)
}

// Charges reports whether p takes money, and so sells priced packs only; the development
// provider charges nothing and sells any number of credits.
func Charges(p Provider) bool {
	f, ok := p.(interface{ Free() bool })
	return !ok || !f.Free()
}

// ErrDevInProduction is returned when the development provider is asked for in production.
var ErrDevInProduction = errors.New("payment: the development provider is refused when APP_ENV=production")
