package payment_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/payment"
	"backbone/internal/testenv"
)

func TestStripeProviderCreatesACheckoutSession(t *testing.T) {
	t.Parallel()
	p, err := payment.NewStripeProvider(payment.StripeConfig{SecretKey: "sk_test_unit", APIURL: testenv.StripeMock(t),
		SuccessURL: "https://app.example.com/ok", CancelURL: "https://app.example.com/no"})
	if err != nil {
		t.Fatal(err)
	}
	req := payment.CheckoutRequest{UserID: uuid.New(), Credits: 100, PurchaseID: uuid.New(), IdempotencyKey: "u:k",
		Pack: "starter", Amount: 1000, Currency: "usd"}
	co, err := p.Checkout(t.Context(), req)
	if err != nil || co.Status != payment.Pending || co.ProviderRef == "" || co.RedirectURL == "" {
		t.Fatalf("Checkout = %+v, %v; want a pending session with its URL", co, err)
	}
	// Stripe sells priced packs only: never a session for nothing.
	req.Pack, req.Amount = "", 0
	if _, err := p.Checkout(t.Context(), req); err == nil {
		t.Fatal("Checkout without a pack's price succeeded")
	}
}

func TestStripeProviderNeedsItsKeys(t *testing.T) {
	t.Parallel()
	for _, cfg := range []payment.StripeConfig{
		{SuccessURL: "https://a/ok", CancelURL: "https://a/no"},
		{SecretKey: "sk_test_x", CancelURL: "https://a/no"},
		{SecretKey: "sk_test_x", SuccessURL: "https://a/ok"},
	} {
		if _, err := payment.NewStripeProvider(cfg); !errors.Is(err, payment.ErrStripeNotConfigured) {
			t.Errorf("NewStripeProvider(%+v) error = %v, want ErrStripeNotConfigured", cfg, err)
		}
	}
}
