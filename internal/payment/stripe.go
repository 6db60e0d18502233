package payment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// StripeName is the Stripe provider's name in purchases, ledger memos and webhook
// idempotency scopes.
const StripeName = "stripe"

// StripeConfig configures the Stripe provider.
type StripeConfig struct {
	// SecretKey is the API key (STRIPE_SECRET_KEY): sk_test_... in test mode.
	SecretKey string
	// APIURL is the API's base URL (STRIPE_API_URL); empty means Stripe's own. Tests
	// point it at stripe-mock.
	APIURL string
	// SuccessURL and CancelURL are where Checkout sends the buyer back
	// (CHECKOUT_SUCCESS_URL, CHECKOUT_CANCEL_URL).
	SuccessURL string
	CancelURL  string
	// HTTPClient defaults to one with a 30-second timeout.
	HTTPClient *http.Client
}

// StripeProvider sells credit packs through Stripe Checkout: Checkout creates a Checkout
// Session the buyer pays at, and Stripe reports the payment to the webhook
// (NewStripeWebhookHandler).
type StripeProvider struct {
	client *stripe.Client
	cfg    StripeConfig
}

// ErrStripeNotConfigured is returned when a required Stripe setting is missing.
var ErrStripeNotConfigured = errors.New("payment: stripe needs STRIPE_SECRET_KEY, CHECKOUT_SUCCESS_URL and CHECKOUT_CANCEL_URL")

// NewStripeProvider returns the Stripe provider, or ErrStripeNotConfigured.
func NewStripeProvider(cfg StripeConfig) (*StripeProvider, error) {
	if cfg.SecretKey == "" || cfg.SuccessURL == "" || cfg.CancelURL == "" {
		return nil, ErrStripeNotConfigured
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{
		HTTPClient: cfg.HTTPClient,
		// stripe-go retries network failures and 409/5xx answers with the same
		// Idempotency-Key, which makes its retries safe.
		MaxNetworkRetries: stripe.Int64(2),
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
	}
	if cfg.APIURL != "" {
		bc.URL = stripe.String(cfg.APIURL)
	}
	return &StripeProvider{client: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc))), cfg: cfg}, nil
}

// Name implements Provider.
func (*StripeProvider) Name() string { return StripeName }

// Checkout implements Provider: it creates a Checkout Session in payment mode for the
// pack's price, with the purchase id as client_reference_id and the purchase's
// idempotency key as the Idempotency-Key, so that a retry returns the same session. The
// checkout is Pending: the webhook reports the payment.
func (p *StripeProvider) Checkout(ctx context.Context, r CheckoutRequest) (Checkout, error) {
	if r.Pack == "" || r.Amount <= 0 || r.Currency == "" || r.IdempotencyKey == "" {
		return Checkout{}, fmt.Errorf("payment: stripe sells priced packs only (pack %q, amount %d %s)", r.Pack, r.Amount, r.Currency)
	}
	params := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(r.PurchaseID.String()),
		SuccessURL:        stripe.String(p.cfg.SuccessURL),
		CancelURL:         stripe.String(p.cfg.CancelURL),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:   stripe.String(r.Currency),
				UnitAmount: stripe.Int64(r.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{
					Name: stripe.String(strconv.FormatInt(r.Credits, 10) + " credits"),
				},
			},
		}},
		// The payment carries the purchase id too: Stripe copies a PaymentIntent's metadata
		// onto its charge, so that a refund can name its purchase before the checkout's
		// completion (and with it the payment's id) has been applied.
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{
			Metadata: map[string]string{"purchase_id": r.PurchaseID.String()},
		},
		Metadata: map[string]string{
			"purchase_id": r.PurchaseID.String(),
			"user_id":     r.UserID.String(),
			"pack":        r.Pack,
			"credits":     strconv.FormatInt(r.Credits, 10),
		},
	}
	params.SetIdempotencyKey(r.IdempotencyKey)
	params.Context = ctx
	s, err := p.client.V1CheckoutSessions.Create(ctx, params)
	if err != nil {
		return Checkout{}, fmt.Errorf("stripe: create checkout session: %w", err)
	}
	return Checkout{Status: Pending, ProviderRef: s.ID, RedirectURL: s.URL}, nil
}
