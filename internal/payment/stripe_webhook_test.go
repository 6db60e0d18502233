package payment_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v82/webhook"

	"backbone/internal/payment"
)

// recorded keeps the updates the handler passes on.
type recorded struct {
	mu      sync.Mutex
	updates []payment.PurchaseUpdate
}

func (r *recorded) RecordPurchaseUpdate(_ context.Context, u payment.PurchaseUpdate) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.updates = append(r.updates, u)
	return nil
}

const whsec = "whsec_unit_test"

func stripeEvent(typ string, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"id": "evt_" + uuid.NewString(), "object": "event", "type": typ,
		"api_version": "2020-08-27", "data": map[string]any{"object": obj}})
	return b
}

func TestStripeWebhookReadsEvents(t *testing.T) {
	t.Parallel()
	purchase := uuid.New()
	session := func(status string) map[string]any {
		return map[string]any{"id": "cs_1", "object": "checkout.session", "mode": "payment", "client_reference_id": purchase.String(),
			"amount_total": 1000, "currency": "USD", "payment_status": status, "payment_intent": "pi_1"}
	}
	tests := []struct {
		name   string
		body   []byte
		status int
		want   *payment.PurchaseUpdate
	}{
		{"completed and paid", stripeEvent("checkout.session.completed", session("paid")), 200,
			&payment.PurchaseUpdate{Kind: payment.UpdatePaid, PurchaseID: purchase, CheckoutRef: "cs_1", PaymentRef: "pi_1", Amount: 1000, Currency: "usd"}},
		{"completed, paying later", stripeEvent("checkout.session.completed", session("unpaid")), 200,
			&payment.PurchaseUpdate{Kind: payment.UpdateProcessing, PurchaseID: purchase, CheckoutRef: "cs_1", PaymentRef: "pi_1", Amount: 1000, Currency: "usd"}},
		{"async failed", stripeEvent("checkout.session.async_payment_failed", session("unpaid")), 200,
			&payment.PurchaseUpdate{Kind: payment.UpdateFailed, PurchaseID: purchase, CheckoutRef: "cs_1", PaymentRef: "pi_1", Amount: 1000, Currency: "usd"}},
		{"refunded", stripeEvent("charge.refunded", map[string]any{"id": "ch_1", "object": "charge", "amount": 1000, "amount_refunded": 400, "currency": "usd", "payment_intent": "pi_1"}), 200,
			&payment.PurchaseUpdate{Kind: payment.UpdateRefunded, PaymentRef: "pi_1", Amount: 1000, AmountRefunded: 400, Currency: "usd"}},
		{"a session that is no purchase of ours", stripeEvent("checkout.session.completed", map[string]any{"id": "cs_2", "mode": "payment", "client_reference_id": "order-7"}), 200, nil},
		{"another event type", stripeEvent("customer.created", map[string]any{"id": "cus_1"}), 200, nil},
		{"not JSON", []byte("nope"), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := &recorded{}
			h := payment.NewStripeWebhookHandler(payment.StripeWebhookConfig{Secret: whsec}, rec, nil)
			sig := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: tt.body, Secret: whsec, Timestamp: time.Now()}).Header
			req := httptest.NewRequest(http.MethodPost, "/webhooks/stripe", bytes.NewReader(tt.body))
			req.Header.Set(payment.StripeSignatureHeader, sig)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if tt.want == nil {
				if len(rec.updates) != 0 {
					t.Fatalf("updates %+v, want none", rec.updates)
				}
				return
			}
			if len(rec.updates) != 1 {
				t.Fatalf("%d updates, want 1", len(rec.updates))
			}
			got := rec.updates[0]
			tt.want.Provider, tt.want.EventID = payment.StripeName, got.EventID
			if got != *tt.want || got.EventID == "" {
				t.Fatalf("update %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func TestStripeWebhookRefuses(t *testing.T) {
	t.Parallel()
	body := stripeEvent("checkout.session.completed", map[string]any{"id": "cs_1"})
	sign := func(secret string, at time.Time) string {
		return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: at}).Header
	}
	tests := []struct {
		name, secret, method, sig string
		want                      int
	}{
		{"no signature", whsec, http.MethodPost, "", 400},
		{"another secret", whsec, http.MethodPost, sign("whsec_other", time.Now()), 400},
		{"older than Stripe's tolerance", whsec, http.MethodPost, sign(whsec, time.Now().Add(-webhook.DefaultTolerance-time.Minute)), 400},
		{"as far ahead of our clock", whsec, http.MethodPost, sign(whsec, time.Now().Add(webhook.DefaultTolerance+time.Minute)), 400},
		{"no secret configured", "", http.MethodPost, sign(whsec, time.Now()), 503},
		{"GET", whsec, http.MethodGet, sign(whsec, time.Now()), 405},
	}
	for _, tt := range tests {
		rec := &recorded{}
		h := payment.NewStripeWebhookHandler(payment.StripeWebhookConfig{Secret: tt.secret}, rec, nil)
		req := httptest.NewRequest(tt.method, "/webhooks/stripe", bytes.NewReader(body))
		if tt.sig != "" {
			req.Header.Set(payment.StripeSignatureHeader, tt.sig)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != tt.want || len(rec.updates) != 0 {
			t.Errorf("%s: status %d with %d updates, want %d and none", tt.name, w.Code, len(rec.updates), tt.want)
		}
	}
}
