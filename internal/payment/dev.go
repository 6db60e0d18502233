package payment

import (
	"context"
	"strings"
)

// DevProvider completes every checkout at once without charging anyone: for development
// and tests. It is refused in production.
type DevProvider struct{}

// NewDevProvider returns the development provider, or ErrDevInProduction when appEnv
// (the APP_ENV setting) is "production".
func NewDevProvider(appEnv string) (*DevProvider, error) {
	if strings.EqualFold(strings.TrimSpace(appEnv), "production") {
		return nil, ErrDevInProduction
	}
	return &DevProvider{}, nil
}

// Name implements Provider.
func (*DevProvider) Name() string { return "dev" }

// Checkout implements Provider: always Completed.
func (*DevProvider) Checkout(_ context.Context, r CheckoutRequest) (Checkout, error) {
	return Checkout{Status: Completed, ProviderRef: "dev_" + r.PurchaseID.String()}, nil
}

// Free implements the check of Charges: nobody pays the development provider.
func (*DevProvider) Free() bool { return true }
