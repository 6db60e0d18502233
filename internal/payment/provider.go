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
	// Reference is stable across retries of one purchase: providers use it as their own
	// idempotency key and echo it in webhook events.
	Reference string
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

// ErrDevInProduction is returned when the development provider is asked for in production.
var ErrDevInProduction = errors.New("payment: the development provider is refused when APP_ENV=production")
