package main

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
)

// wfWebhookSecret is the payment provider's shared secret in the webhook tests.
const wfWebhookSecret = "wallet-e2e-webhook-secret-0123456789abcdef"

// wfSign signs body at t as the provider does, written out from the documented header
// (t=<unix>,v1=<hex HMAC-SHA256(secret, t + "." + body)>) rather than with the package's
// own signer, so that the test checks the contract.
func wfSign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "." + string(body)))
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// wfEvent is a webhook body.
func wfEvent(id, typ string, user uuid.UUID, credits int) []byte {
	return fmt.Appendf(nil, `{"id":%q,"type":%q,"data":{"userId":%q,"credits":%d,"reference":"r1"}}`,
		id, typ, user, credits)
}

// wfDeliver posts body to the webhook with the signature header sig ("" for none) and
// returns the status.
func wfDeliver(t *testing.T, ts *testServer, sig string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/payments", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set("X-Backbone-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST /webhooks/payments: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestPaymentWebhook delivers signed provider events to a server with the secret set.
func TestPaymentWebhook(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{"PAYMENT_WEBHOOK_SECRET": wfWebhookSecret})
	buyer := w.callers[azClient]
	testWebhookCredits(t, w, buyer)
}

// testWebhookCredits checks that refused deliveries move nothing and that a good one
// credits buyer's wallet exactly once; buyer's wallet must be empty.
func testWebhookCredits(t *testing.T, w *azWorld, buyer *azAccount) {
	t.Helper()
	now := time.Now()
	evt := "evt_" + uuid.NewString()
	body := wfEvent(evt, "payment.succeeded", buyer.UUID, 25)
	refused := []struct {
		name string
		sig  string
		body []byte
		want int
	}{
		{"no signature", "", body, http.StatusUnauthorized},
		{"a signature made with another secret", wfSign("another-secret-of-at-least-32-bytes!!", now, body), body, http.StatusUnauthorized},
		{"a signature of another body", wfSign(wfWebhookSecret, now, wfEvent(evt, "payment.succeeded", buyer.UUID, 2500)), body, http.StatusUnauthorized},
		{"a garbled signature header", "v1=deadbeef", body, http.StatusUnauthorized},
		{"a timestamp older than 5 minutes (replay)", wfSign(wfWebhookSecret, now.Add(-6*time.Minute), body), body, http.StatusUnauthorized},
		{"a timestamp 6 minutes ahead", wfSign(wfWebhookSecret, now.Add(6*time.Minute), body), body, http.StatusUnauthorized},
	}
	for _, r := range refused {
		if got := wfDeliver(t, w.ts, r.sig, r.body); got != r.want {
			t.Errorf("delivery with %s: status %d, want %d", r.name, got, r.want)
		}
	}
	if got := w.wfWallet(t, buyer.Token); got.Balance != 0 {
		t.Fatalf("wallet after refused deliveries = %+v, want 0", got)
	}

	// The same event, correctly signed: credited once, however often it comes.
	sig := wfSign(wfWebhookSecret, now, body)
	for i, s := range []string{sig, sig, wfSign(wfWebhookSecret, now.Add(time.Second), body)} {
		if got := wfDeliver(t, w.ts, s, body); got != http.StatusNoContent {
			t.Fatalf("delivery %d of a signed payment.succeeded: status %d, want 204", i+1, got)
		}
	}
	if got := w.wfWallet(t, buyer.Token); got.Balance != 25 {
		t.Fatalf("wallet after an event of 25 delivered three times = %+v, want 25", got)
	}
	if got := wfKinds(w.wfEntries(t, buyer.Token)); got != "PURCHASE:WALLET:25" {
		t.Fatalf("ledger after the webhook: %s", got)
	}

	others := []struct {
		name string
		body []byte
		want int
	}{
		{"the event id again with other credits", wfEvent(evt, "payment.succeeded", buyer.UUID, 99), http.StatusConflict},
		{"an event of another type", wfEvent("evt_"+uuid.NewString(), "payment.refunded", buyer.UUID, 25), http.StatusNoContent},
		{"an event for an unknown user", wfEvent("evt_"+uuid.NewString(), "payment.succeeded", uuid.New(), 25), http.StatusBadRequest},
		{"an event of zero credits", wfEvent("evt_"+uuid.NewString(), "payment.succeeded", buyer.UUID, 0), http.StatusBadRequest},
		{"a signed body that is not JSON", []byte("not json"), http.StatusBadRequest},
	}
	for _, o := range others {
		if got := wfDeliver(t, w.ts, wfSign(wfWebhookSecret, now, o.body), o.body); got != o.want {
			t.Errorf("delivery of %s: status %d, want %d", o.name, got, o.want)
		}
	}
	if got := w.wfWallet(t, buyer.Token); got.Balance != 25 {
		t.Fatalf("wallet after events that credit nothing = %+v, want 25", got)
	}

	// Another event id is another payment.
	next := wfEvent("evt_"+uuid.NewString(), "payment.succeeded", buyer.UUID, 5)
	if got := wfDeliver(t, w.ts, wfSign(wfWebhookSecret, now, next), next); got != http.StatusNoContent {
		t.Fatalf("delivery of a second payment: status %d", got)
	}
	if got := w.wfWallet(t, buyer.Token); got.Balance != 30 {
		t.Fatalf("wallet after a second payment of 5 = %+v, want 30", got)
	}
}

// testWebhookAbsent runs on a server without PAYMENT_WEBHOOK_SECRET: the route is not
// mounted, whatever the signature.
func testWebhookAbsent(t *testing.T, w *azWorld) {
	buyer := w.fresh(t, azClient)
	body := wfEvent("evt_"+uuid.NewString(), "payment.succeeded", buyer.UUID, 25)
	got := wfDeliver(t, w.ts, wfSign(wfWebhookSecret, time.Now(), body), body)
	if got != http.StatusNotFound && got != http.StatusMethodNotAllowed {
		t.Fatalf("POST /webhooks/payments without a configured secret: status %d, want 404 or 405", got)
	}
	if got := w.wfWallet(t, buyer.Token); got.Balance != 0 {
		t.Fatalf("wallet after a delivery to an absent route = %+v", got)
	}
}

// TestProductionRefusesDevPayments checks that with APP_ENV=production the development
// provider is refused, so buyCredits moves nothing, and credits come by webhook only.
func TestProductionRefusesDevPayments(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, map[string]string{
		"APP_ENV": "production", "JWT_SECRET": testJWTSecret, "DATA_ENCRYPTION_KEYS": testDataKeys, "PAYMENT_WEBHOOK_SECRET": wfWebhookSecret,
	})
	c := w.callers[azClient]
	for _, key := range []string{"prod-1", "prod-1", "prod-2"} {
		w.wfFail(t, c.Token, "UNAVAILABLE", wfBuyMutation, map[string]any{"c": 10, "k": key})
	}
	if got := w.wfWallet(t, c.Token); got != (wfWallet{}) {
		t.Fatalf("wallet after refused purchases = %+v, want empty", got)
	}
	if got := w.wfEntries(t, c.Token); len(got) != 0 {
		t.Fatalf("ledger after refused purchases: %+v", got)
	}
	testWebhookCredits(t, w, c)
}
