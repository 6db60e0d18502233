package main

import (
	"errors"
	"fmt"
	"net/http"

	"backbone/internal/payment"
	"backbone/internal/wallet"
)

// openWallet builds the ledger service. Outside production, credits are bought through the
// development provider, which completes at once; production has no built-in provider, so
// purchases arrive only through the signed webhook.
func (a *app) openWallet() error {
	var provider payment.Provider
	dev, err := payment.NewDevProvider(a.cfg.Env)
	switch {
	case err == nil:
		provider = dev
	case errors.Is(err, payment.ErrDevInProduction):
		a.log.Info("no payment provider configured: buyCredits is unavailable; credits arrive by webhook")
	default:
		return fmt.Errorf("payment provider: %w", err)
	}
	a.wallet, err = wallet.NewService(wallet.Deps{Client: a.db.Client, Provider: provider, Log: a.log}, wallet.Options{})
	return err
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
