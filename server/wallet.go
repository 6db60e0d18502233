package main

import (
	"fmt"
	"net/http"

	"backbone/internal/config"
	"backbone/internal/payment"
	"backbone/internal/wallet"
)

// openWallet builds the ledger service with the configured payment provider
// (PAYMENT_PROVIDER): the development one completes at once and is refused in
// production; Stripe sells the settings' credit packs through Checkout and reports
// payments to /webhooks/stripe; with none, buyCredits is unavailable and credits arrive
// only through the signed webhook of /webhooks/payments.
func (a *app) openWallet() error {
	provider, err := a.paymentProvider()
	if err != nil {
		return fmt.Errorf("payment provider: %w", err)
	}
	if provider == nil {
		a.log.Warn("no payment provider (PAYMENT_PROVIDER=none): buyCredits is unavailable; credits arrive by webhook")
	}
	a.wallet, err = wallet.NewService(wallet.Deps{Client: a.db.Client, Provider: provider, Settings: a.settings, Log: a.log}, wallet.Options{})
	return err
}

// paymentProvider builds the provider PAYMENT_PROVIDER names; nil for none.
func (a *app) paymentProvider() (payment.Provider, error) {
	switch a.cfg.PaymentProvider {
	case config.PaymentDev:
		return payment.NewDevProvider(a.cfg.Env)
	case config.PaymentStripe:
		return payment.NewStripeProvider(payment.StripeConfig{
			SecretKey: a.cfg.StripeSecretKey, APIURL: a.cfg.StripeAPIURL,
			SuccessURL: a.cfg.CheckoutSuccessURL, CancelURL: a.cfg.CheckoutCancelURL,
		})
	case config.PaymentNone:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown PAYMENT_PROVIDER %q", a.cfg.PaymentProvider)
}

// paymentWebhook is the provider's webhook endpoint, or nil when no secret is configured.
func (a *app) paymentWebhook() http.Handler {
	if a.cfg.PaymentWebhookSecret == "" {
		return nil
	}
	return payment.NewWebhookHandler(payment.WebhookConfig{
		Provider: "webhook",
		Secret:   []byte(a.cfg.PaymentWebhookSecret),
	}, a.wallet, a.log)
}

// stripeWebhook is Stripe's webhook endpoint, or nil unless Stripe sells credits.
func (a *app) stripeWebhook() http.Handler {
	if a.cfg.PaymentProvider != config.PaymentStripe {
		return nil
	}
	return payment.NewStripeWebhookHandler(payment.StripeWebhookConfig{Secret: a.cfg.StripeWebhookSecret}, a.wallet, a.log)
}
