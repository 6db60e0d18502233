package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	"backbone/internal/testenv"
)

// Helpers of the Stripe end-to-end tests: stripe-mock behind a recording proxy (stripe-mock
// does not echo the Idempotency-Key, so the proxy notes what the server sends), and
// webhook events signed as Stripe signs them.

const sfWebhookSecret = "whsec_test_backbone_0123456789abcdef"

// sfRequest is one request the server sent to Stripe.
type sfRequest struct {
	Method, Path, IdempotencyKey string
	Form                         url.Values
}

// sfStripe is stripe-mock behind a proxy that records every request and can drop the
// connection of the next requests of an idempotency key, as an unlucky network would.
type sfStripe struct {
	URL      string
	mu       sync.Mutex
	requests []sfRequest
	failNext map[string]int
}

func newSfStripe(t *testing.T) *sfStripe {
	t.Helper()
	target, err := url.Parse(testenv.StripeMock(t))
	if err != nil {
		t.Fatal(err)
	}
	s := &sfStripe{failNext: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		key := r.Header.Get("Idempotency-Key")
		s.mu.Lock()
		s.requests = append(s.requests, sfRequest{Method: r.Method, Path: r.URL.Path, IdempotencyKey: key, Form: form})
		fail := s.failNext[key] > 0
		if fail {
			s.failNext[key]--
		}
		s.mu.Unlock()
		if fail {
			// A connection lost before any answer: the client cannot know whether Stripe
			// made the session, so it must retry with the same key.
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// fail makes the next n requests with key fail.
func (s *sfStripe) fail(key string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext[key] = n
}

// sessionsOf returns the Checkout Session creations sent with key.
func (s *sfStripe) sessionsOf(key string) []sfRequest {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []sfRequest
	for _, r := range s.requests {
		if r.Method == http.MethodPost && r.Path == "/v1/checkout/sessions" && r.IdempotencyKey == key {
			out = append(out, r)
		}
	}
	return out
}

// sfEnv is the server configuration selling through the recorded stripe-mock.
func sfEnv(apiURL string) map[string]string {
	return map[string]string{
		"PAYMENT_PROVIDER":      "stripe",
		"STRIPE_SECRET_KEY":     "sk_test_backbone",
		"STRIPE_WEBHOOK_SECRET": sfWebhookSecret,
		"STRIPE_API_URL":        apiURL,
		"CHECKOUT_SUCCESS_URL":  "https://app.example.com/credits/thanks",
		"CHECKOUT_CANCEL_URL":   "https://app.example.com/credits",
	}
}

// sfPurchase is a CreditPurchase as the tests read it.
type sfPurchase struct {
	ID, Status, Provider string
	Credits              int
	Pack                 *struct {
		ID             string
		Credits, Price int
		Currency       string
	}
	ProviderRef, PaymentRef, CheckoutURL, FlagReason *string
	RefundedCredits                                  int
	Flagged                                          bool
	Buyer                                            struct{ ID string }
	CompletedAt                                      *string
}

const (
	sfPurchaseFields = `id status provider credits pack { id credits price currency } providerRef paymentRef
		checkoutUrl refundedCredits flagged flagReason buyer { id } completedAt`
	sfBuyMutation = `mutation($p: String, $c: Int, $k: String!) { buyCredits(pack: $p, credits: $c, idempotencyKey: $k) { ` +
		sfPurchaseFields + ` } }`
	sfPurchasesQuery = `query($f: Boolean, $s: PaymentStatus) { creditPurchases(first: 100, flagged: $f, status: $s) {
		totalCount edges { node { ` + sfPurchaseFields + ` } } } }`
	sfPurchaseNode = `query($id: ID!) { node(id: $id) { ... on CreditPurchase { ` + sfPurchaseFields + ` } } }`
)

// sfBuy buys a pack (by id, or by credits when pack is "") that must be accepted.
func (w *azWorld) sfBuy(t *testing.T, token, pack string, credits int, key string) sfPurchase {
	t.Helper()
	vars := map[string]any{"k": key}
	if pack != "" {
		vars["p"] = pack
	} else {
		vars["c"] = credits
	}
	var out struct{ BuyCredits sfPurchase }
	w.mustGQL(t, token, sfBuyMutation, vars, &out)
	return out.BuyCredits
}

// sfPurchaseOf reads a purchase through node(id:), as token sees it (nil: hidden).
func (w *azWorld) sfPurchaseOf(t *testing.T, token, id string) *sfPurchase {
	t.Helper()
	var out struct{ Node *sfPurchase }
	w.mustGQL(t, token, sfPurchaseNode, map[string]any{"id": id}, &out)
	return out.Node
}

// sfPurchases lists the purchases token sees, optionally only flagged ones.
func (w *azWorld) sfPurchases(t *testing.T, token string, flagged *bool) []sfPurchase {
	t.Helper()
	var out struct{ CreditPurchases wfConnection[sfPurchase] }
	vars := map[string]any{}
	if flagged != nil {
		vars["f"] = *flagged
	}
	w.mustGQL(t, token, sfPurchasesQuery, vars, &out)
	return out.CreditPurchases.nodes(t)
}

// sfEvent is a Stripe event of typ about obj.
func sfEvent(typ string, obj map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{
		"id": "evt_" + uuid.NewString(), "object": "event", "type": typ, "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "data": map[string]any{"object": obj},
	})
	return b
}

// sfSession is a Checkout Session of purchase p (a CreditPurchase as read).
func sfSession(t *testing.T, p sfPurchase, amount int, currency, paymentStatus, paymentIntent string) map[string]any {
	t.Helper()
	if p.ProviderRef == nil {
		t.Fatalf("purchase %s has no Checkout Session", p.ID)
	}
	return map[string]any{
		"id": *p.ProviderRef, "object": "checkout.session", "mode": "payment",
		"client_reference_id": azUUID(t, p.ID).String(), "amount_total": amount, "currency": currency,
		"payment_status": paymentStatus, "payment_intent": paymentIntent, "status": "complete",
	}
}

// sfCharge is a Charge of paymentIntent with amountRefunded of amount refunded so far.
func sfCharge(paymentIntent string, amount, amountRefunded int) map[string]any {
	return map[string]any{
		"id": "ch_" + uuid.NewString()[:8], "object": "charge", "amount": amount, "amount_refunded": amountRefunded,
		"currency": "usd", "payment_intent": paymentIntent, "refunded": amountRefunded == amount, "paid": true,
	}
}

// sfChargeOf is sfCharge of a payment of purchase p, which carries its id as Stripe
// copies the payment's metadata onto its charges.
func sfChargeOf(t *testing.T, p sfPurchase, paymentIntent string, amount, amountRefunded int) map[string]any {
	c := sfCharge(paymentIntent, amount, amountRefunded)
	c["metadata"] = map[string]any{"purchase_id": azUUID(t, p.ID).String()}
	return c
}

// sfSign signs body as Stripe does, at ts, with secret.
func sfSign(body []byte, secret string, ts time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: body, Secret: secret, Timestamp: ts}).Header
}

// sfDeliver posts body to /webhooks/stripe with the signature header sig ("" for none)
// and returns the status.
func sfDeliver(t *testing.T, ts *testServer, sig string, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, ts.URL+"/webhooks/stripe", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	if sig != "" {
		req.Header.Set("Stripe-Signature", sig)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Errorf("POST /webhooks/stripe: %v", err)
		return 0
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// sfSend delivers a correctly signed event that must be accepted.
func sfSend(t *testing.T, ts *testServer, body []byte) {
	t.Helper()
	if got := sfDeliver(t, ts, sfSign(body, sfWebhookSecret, time.Now()), body); got != http.StatusOK {
		t.Fatalf("signed event: status %d, want 200", got)
	}
}
