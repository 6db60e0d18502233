package main

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"backbone/ent/auditlog"
	"backbone/internal/wallet/wallettest"
)

// TestStripeCheckoutSession buys packs through stripe-mock and checks what the server
// sends Stripe: a payment-mode Checkout Session for the pack's price, with the purchase
// id as client_reference_id and the purchase's idempotency key as Idempotency-Key, the
// same key on every retry.
func TestStripeCheckoutSession(t *testing.T) {
	t.Parallel()
	stripe := newSfStripe(t)
	w := newAzWorld(t, sfEnv(stripe.URL))
	c := w.callers[azClient]
	keyOf := func(k string) string { return c.UUID.String() + ":" + k }

	p := w.sfBuy(t, c.Token, "starter", 0, "buy-1")
	if p.Status != "PENDING" || p.Credits != 100 || p.Provider != "stripe" || p.CheckoutURL == nil || p.ProviderRef == nil ||
		p.Pack == nil || p.Pack.Price != 1000 || p.Pack.Currency != "usd" || p.Buyer.ID != c.ID {
		t.Fatalf("buyCredits(pack: starter) = %+v", p)
	}
	sent := stripe.sessionsOf(keyOf("buy-1"))
	if len(sent) != 1 {
		t.Fatalf("%d Checkout Session requests with the purchase's key, want 1", len(sent))
	}
	f := sent[0].Form
	want := map[string]string{
		"mode":                                   "payment",
		"client_reference_id":                    azUUID(t, p.ID).String(),
		"line_items[0][price_data][unit_amount]": "1000",
		"line_items[0][price_data][currency]":    "usd",
		"line_items[0][quantity]":                "1",
		"success_url":                            "https://app.example.com/credits/thanks",
		"cancel_url":                             "https://app.example.com/credits",
		// Copied onto the charge by Stripe: a refund names its purchase.
		"payment_intent_data[metadata][purchase_id]": azUUID(t, p.ID).String(),
	}
	for k, v := range want {
		if f.Get(k) != v {
			t.Errorf("Checkout Session %s = %q, want %q", k, f.Get(k), v)
		}
	}

	// A retry with the key answers the same purchase and session, and pays nothing twice.
	again := w.sfBuy(t, c.Token, "starter", 0, "buy-1")
	if again.ID != p.ID || *again.ProviderRef != *p.ProviderRef || *again.CheckoutURL != *p.CheckoutURL {
		t.Fatalf("retried buyCredits = %+v, want %+v", again, p)
	}
	if n := len(stripe.sessionsOf(keyOf("buy-1"))); n != 1 {
		t.Fatalf("a retry sent %d more session requests", n-1)
	}

	// A credit count names its pack.
	byCount := w.sfBuy(t, c.Token, "", 500, "buy-2")
	if byCount.Pack == nil || byCount.Pack.ID != "standard" {
		t.Fatalf("buyCredits(credits: 500) = %+v, want the standard pack", byCount)
	}
	if s := stripe.sessionsOf(keyOf("buy-2")); len(s) != 1 || s[0].Form.Get("line_items[0][price_data][unit_amount]") != "4500" {
		t.Fatalf("session of buyCredits(credits: 500): %+v", s)
	}

	refused := []struct {
		name, code string
		vars       map[string]any
	}{
		{"a count no pack has", "BAD_USER_INPUT", map[string]any{"c": 7, "k": "buy-x"}},
		{"an unknown pack", "BAD_USER_INPUT", map[string]any{"p": "nope", "k": "buy-y"}},
		{"a pack and another count", "BAD_USER_INPUT", map[string]any{"p": "starter", "c": 500, "k": "buy-z"}},
		{"neither pack nor count", "BAD_USER_INPUT", map[string]any{"k": "buy-w"}},
		{"the key of another purchase", "CONFLICT", map[string]any{"p": "large", "k": "buy-1"}},
	}
	for _, r := range refused {
		_, resp := w.gql(t, c.Token, sfBuyMutation, r.vars)
		if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != r.code {
			t.Errorf("buyCredits with %s: errors %+v, want %s", r.name, resp.Errors, r.code)
		}
	}

	// stripe-go retries a request whose connection was lost, with the same key and body.
	stripe.fail(keyOf("buy-3"), 1)
	p3 := w.sfBuy(t, c.Token, "large", 0, "buy-3")
	sfSameRequests(t, stripe.sessionsOf(keyOf("buy-3")), 2, azUUID(t, p3.ID).String())

	// When Stripe stays unreachable, buyCredits is UNAVAILABLE; the client's retry with
	// the same key sends the same Idempotency-Key for the same purchase.
	stripe.fail(keyOf("buy-4"), 1000)
	w.wfFail(t, c.Token, "UNAVAILABLE", sfBuyMutation, map[string]any{"p": "starter", "k": "buy-4"})
	failed := len(stripe.sessionsOf(keyOf("buy-4")))
	stripe.fail(keyOf("buy-4"), 0)
	p4 := w.sfBuy(t, c.Token, "starter", 0, "buy-4")
	sfSameRequests(t, stripe.sessionsOf(keyOf("buy-4")), failed+1, azUUID(t, p4.ID).String())
	if p4.Status != "PENDING" || p4.CheckoutURL == nil {
		t.Fatalf("purchase after the provider came back = %+v", p4)
	}

	// Nothing is credited before Stripe reports a payment.
	if got := w.wfWallet(t, c.Token); got != (wfWallet{}) {
		t.Fatalf("wallet before any payment = %+v", got)
	}
	if got := w.sfPurchases(t, c.Token, nil); len(got) != 4 {
		t.Fatalf("creditPurchases = %d purchases, want 4", len(got))
	}
}

// sfSameRequests checks that at least n session requests were sent, all the same, for
// the purchase purchaseID.
func sfSameRequests(t *testing.T, sent []sfRequest, n int, purchaseID string) {
	t.Helper()
	if len(sent) < n || n < 2 {
		t.Fatalf("%d session requests, want at least %d", len(sent), n)
	}
	for _, r := range sent {
		if r.Form.Get("client_reference_id") != purchaseID || r.Form.Encode() != sent[0].Form.Encode() {
			t.Fatalf("retries of one purchase differ: %+v", sent)
		}
	}
}

// TestStripeWebhook delivers events signed as Stripe signs them.
func TestStripeWebhook(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, sfEnv(newSfStripe(t).URL))
	c, admin := w.callers[azClient], w.callers[azAdmin]
	p := w.sfBuy(t, c.Token, "starter", 0, "w-1")
	paid := sfEvent("checkout.session.completed", sfSession(t, p, 1000, "usd", "paid", "pi_w1"))
	now := time.Now()

	t.Run("refused signatures", func(t *testing.T) {
		refused := []struct{ name, sig string }{
			{"no signature", ""},
			{"another secret", sfSign(paid, "whsec_not_ours", now)},
			{"a stale timestamp", sfSign(paid, sfWebhookSecret, now.Add(-6*time.Minute))},
			{"a signature of another body", sfSign(sfEvent("checkout.session.completed", sfSession(t, p, 1000, "usd", "paid", "pi_x")), sfWebhookSecret, now)},
			{"garbage", "t=abc,v1=zz"},
		}
		for _, r := range refused {
			if got := sfDeliver(t, w.ts, r.sig, paid); got != http.StatusBadRequest {
				t.Errorf("delivery with %s: status %d, want 400", r.name, got)
			}
		}
		if got := w.wfWallet(t, c.Token); got.Balance != 0 {
			t.Fatalf("wallet after refused deliveries = %+v", got)
		}
	})

	t.Run("a completed session credits once", func(t *testing.T) {
		for range 3 {
			sfSend(t, w.ts, paid)
		}
		// Concurrently: the same event again, and other events about the same session.
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				body := paid
				if i%2 == 1 {
					body = sfEvent("checkout.session.completed", sfSession(t, p, 1000, "usd", "paid", "pi_w1"))
				}
				if got := sfDeliver(t, w.ts, sfSign(body, sfWebhookSecret, time.Now()), body); got != http.StatusOK {
					t.Errorf("concurrent delivery: status %d", got)
				}
			})
		}
		wg.Wait()
		if got := w.wfWallet(t, c.Token); got.Balance != 100 {
			t.Fatalf("wallet after 15 deliveries of one payment = %+v, want 100", got)
		}
		if got := wfKinds(w.wfEntries(t, c.Token)); got != "PURCHASE:WALLET:100" {
			t.Fatalf("ledger: %s", got)
		}
		got := w.sfPurchaseOf(t, c.Token, p.ID)
		if got.Status != "COMPLETED" || got.CompletedAt == nil || got.PaymentRef == nil || *got.PaymentRef != "pi_w1" || got.CheckoutURL != nil {
			t.Fatalf("purchase after payment = %+v", got)
		}
	})

	t.Run("an amount that does not match is not credited", func(t *testing.T) {
		p2 := w.sfBuy(t, c.Token, "standard", 0, "w-2")
		sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p2, 100, "usd", "paid", "pi_w2")))
		p3 := w.sfBuy(t, c.Token, "large", 0, "w-3")
		sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p3, 8000, "eur", "paid", "pi_w3")))
		if got := w.wfWallet(t, c.Token); got.Balance != 100 {
			t.Fatalf("wallet after mismatched payments = %+v, want 100", got)
		}
		for _, id := range []string{p2.ID, p3.ID} {
			got := w.sfPurchaseOf(t, admin.Token, id)
			if !got.Flagged || got.FlagReason == nil || got.Status != "PENDING" || got.CompletedAt != nil {
				t.Fatalf("mismatched purchase = %+v, want flagged, not completed", got)
			}
		}
		w.sfAwaitFlagNotices(t, admin.Token, 2)
	})

	t.Run("expired, failed and delayed payments", func(t *testing.T) {
		p4 := w.sfBuy(t, c.Token, "starter", 0, "w-4")
		sfSend(t, w.ts, sfEvent("checkout.session.expired", sfSession(t, p4, 1000, "usd", "unpaid", "")))
		p5 := w.sfBuy(t, c.Token, "starter", 0, "w-5")
		sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p5, 1000, "usd", "unpaid", "pi_w5")))
		if got := w.sfPurchaseOf(t, c.Token, p5.ID); got.Status != "PENDING" || got.PaymentRef == nil {
			t.Fatalf("purchase paid by a delayed method = %+v, want PENDING with its payment", got)
		}
		sfSend(t, w.ts, sfEvent("checkout.session.async_payment_failed", sfSession(t, p5, 1000, "usd", "unpaid", "pi_w5")))
		p6 := w.sfBuy(t, c.Token, "starter", 0, "w-6")
		sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p6, 1000, "usd", "unpaid", "pi_w6")))
		sfSend(t, w.ts, sfEvent("checkout.session.async_payment_succeeded", sfSession(t, p6, 1000, "usd", "paid", "pi_w6")))
		for id, status := range map[string]string{p4.ID: "EXPIRED", p5.ID: "FAILED", p6.ID: "COMPLETED"} {
			if got := w.sfPurchaseOf(t, c.Token, id); got.Status != status {
				t.Errorf("purchase %s = %+v, want %s", id, got, status)
			}
		}
		if got := w.wfWallet(t, c.Token); got.Balance != 200 {
			t.Fatalf("wallet after a delayed payment succeeded = %+v, want 200", got)
		}
	})

	t.Run("refunds take credits back, or flag the purchase", func(t *testing.T) {
		// A refund of a payment never credited (flagged above) takes nothing and counts
		// no credits as refunded; once the whole charge is back, the purchase is REFUNDED.
		uncredited := func() sfPurchase {
			for _, got := range w.sfPurchases(t, c.Token, nil) {
				if got.PaymentRef != nil && *got.PaymentRef == "pi_w2" {
					return got
				}
			}
			t.Fatal("no purchase paid by pi_w2")
			return sfPurchase{}
		}
		sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_w2", 100, 40)))
		if got := uncredited(); got.RefundedCredits != 0 || got.Status != "PENDING" {
			t.Fatalf("part of a payment never credited refunded: %+v", got)
		}
		sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_w2", 100, 100)))
		if got := uncredited(); got.RefundedCredits != 0 || got.Status != "REFUNDED" || !got.Flagged {
			t.Fatalf("all of a payment never credited refunded: %+v", got)
		}
		full := sfEvent("charge.refunded", sfCharge("pi_w1", 1000, 1000))
		sfSend(t, w.ts, full)
		sfSend(t, w.ts, full)
		if got := w.wfWallet(t, c.Token); got.Balance != 100 {
			t.Fatalf("wallet after a full refund of 100 = %+v, want 100", got)
		}
		if got := w.sfPurchaseOf(t, c.Token, p.ID); got.Status != "REFUNDED" || got.RefundedCredits != 100 || got.Flagged {
			t.Fatalf("refunded purchase = %+v", got)
		}
		// Half of the delayed payment comes back: half its credits go.
		p6 := w.sfPurchases(t, c.Token, nil)[0]
		sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_w6", 1000, 500)))
		if got := w.wfWallet(t, c.Token); got.Balance != 50 {
			t.Fatalf("wallet after refunding half of 100 = %+v, want 50", got)
		}
		// The client spends 20; the rest of the refund finds 30 of the 50 it needs.
		var q struct{ SubmitQuestion qfQuestion }
		w.mustGQL(t, c.Token, qfSubmitMutation, map[string]any{"in": map[string]any{
			"subject": qfSubject, "title": "Why is the sky blue?", "body": "Explain Rayleigh scattering.",
			"urgency": "NORMAL", "idempotencyKey": "q-1"}}, &q)
		sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_w6", 1000, 1000)))
		if got := w.wfWallet(t, c.Token); got.Balance != 0 || got.Held != qfPrice {
			t.Fatalf("wallet after a refund it could not cover = %+v, want 0 (never negative)", got)
		}
		got := w.sfPurchaseOf(t, admin.Token, p6.ID)
		if got.Status != "REFUNDED" || got.RefundedCredits != 100 || !got.Flagged || got.FlagReason == nil ||
			!strings.Contains(*got.FlagReason, "20 could not be taken back") {
			t.Fatalf("purchase refunded beyond the wallet = %+v", got)
		}
		w.sfAwaitFlagNotices(t, admin.Token, 3)
		// A refund of a payment that is no purchase of ours is acknowledged and ignored.
		sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_unknown", 1000, 1000)))
		if got := wfKinds(w.wfEntries(t, c.Token)); !strings.Contains(got, "PURCHASE_REFUND:WALLET:-100") ||
			!strings.Contains(got, "PURCHASE_REFUND:WALLET:-50") || !strings.Contains(got, "PURCHASE_REFUND:WALLET:-30") {
			t.Fatalf("ledger after refunds: %s", got)
		}
	})

	t.Run("who sees purchases", func(t *testing.T) {
		mine := w.sfPurchases(t, c.Token, nil)
		if len(mine) != 6 {
			t.Fatalf("the client sees %d purchases, want their 6", len(mine))
		}
		other := w.fresh(t, azClient)
		if got := w.sfPurchases(t, other.Token, nil); len(got) != 0 {
			t.Fatalf("another client sees %d purchases", len(got))
		}
		if got := w.sfPurchaseOf(t, other.Token, p.ID); got != nil {
			t.Fatalf("another client reads a purchase: %+v", got)
		}
		yes := true
		if got := w.sfPurchases(t, admin.Token, &yes); len(got) != 3 {
			t.Fatalf("the admin sees %d flagged purchases, want 3", len(got))
		}
		if got := w.sfPurchases(t, admin.Token, nil); len(got) != 6 {
			t.Fatalf("the admin sees %d purchases, want 6", len(got))
		}
	})

	for action, want := range map[string]int{"wallet.purchase.completed": 2, "wallet.purchase.refunded": 4, "wallet.purchase.flagged": 3} {
		n, err := w.db.AuditLog.Query().Where(auditlog.Action(action)).Count(w.system())
		if err != nil || n != want {
			t.Errorf("audit %s: %d rows (%v), want %d", action, n, err, want)
		}
	}
	wallettest.CheckInvariants(t, w.db)
}

// TestStripeEventsOutOfOrder: Stripe does not deliver events in order, and retries a
// failed delivery for days, so a refund may come before the payment's report, and a
// report of the payment after its refund.
func TestStripeEventsOutOfOrder(t *testing.T) {
	t.Parallel()
	w := newAzWorld(t, sfEnv(newSfStripe(t).URL))
	c, admin := w.callers[azClient], w.callers[azAdmin]

	// A refund before the payment's report is not acknowledged: Stripe sends it again,
	// and once the payment is credited, it takes the credits back.
	p := w.sfBuy(t, c.Token, "starter", 0, "o-1")
	early := sfEvent("charge.refunded", sfChargeOf(t, p, "pi_o1", 1000, 1000))
	if got := sfDeliver(t, w.ts, sfSign(early, sfWebhookSecret, time.Now()), early); got != http.StatusServiceUnavailable {
		t.Fatalf("a refund before its payment's report: status %d, want 503 (delivered again later)", got)
	}
	sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p, 1000, "usd", "paid", "pi_o1")))
	if got := w.wfWallet(t, c.Token); got.Balance != 100 {
		t.Fatalf("wallet after the payment = %+v, want 100", got)
	}
	sfSend(t, w.ts, early)
	if got := w.wfWallet(t, c.Token); got.Balance != 0 {
		t.Fatalf("wallet after the refund delivered again = %+v, want 0", got)
	}
	if got := w.sfPurchaseOf(t, c.Token, p.ID); got.Status != "REFUNDED" || got.RefundedCredits != 100 {
		t.Fatalf("purchase refunded after its late credit = %+v", got)
	}

	// A delayed payment method: its refund waits for the payment's success too.
	p2 := w.sfBuy(t, c.Token, "starter", 0, "o-2")
	sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p2, 1000, "usd", "unpaid", "pi_o2")))
	early2 := sfEvent("charge.refunded", sfCharge("pi_o2", 1000, 1000))
	if got := sfDeliver(t, w.ts, sfSign(early2, sfWebhookSecret, time.Now()), early2); got != http.StatusServiceUnavailable {
		t.Fatalf("a refund of a payment still processing: status %d, want 503", got)
	}
	sfSend(t, w.ts, sfEvent("checkout.session.async_payment_succeeded", sfSession(t, p2, 1000, "usd", "paid", "pi_o2")))
	sfSend(t, w.ts, early2)
	if got := w.wfWallet(t, c.Token); got.Balance != 0 {
		t.Fatalf("wallet after a delayed payment and its refund = %+v, want 0", got)
	}

	// A payment reported after the whole of it was refunded (a mismatched payment, flagged
	// and never credited, then refunded) is not credited.
	p3 := w.sfBuy(t, c.Token, "starter", 0, "o-3")
	sfSend(t, w.ts, sfEvent("checkout.session.completed", sfSession(t, p3, 900, "usd", "paid", "pi_o3")))
	sfSend(t, w.ts, sfEvent("charge.refunded", sfCharge("pi_o3", 900, 900)))
	sfSend(t, w.ts, sfEvent("checkout.session.async_payment_succeeded", sfSession(t, p3, 1000, "usd", "paid", "pi_o3")))
	if got := w.wfWallet(t, c.Token); got.Balance != 0 {
		t.Fatalf("wallet after a payment reported once refunded = %+v, want 0", got)
	}
	if got := w.sfPurchaseOf(t, admin.Token, p3.ID); got.Status != "REFUNDED" || got.RefundedCredits != 0 || !got.Flagged ||
		got.FlagReason == nil || !strings.Contains(*got.FlagReason, "after the whole payment was refunded") {
		t.Fatalf("purchase reported paid after its refund = %+v", got)
	}

	// A refund naming a purchase of ours that another payment already paid is not taken
	// for it.
	sfSend(t, w.ts, sfEvent("charge.refunded", sfChargeOf(t, p, "pi_other", 1000, 1000)))
	if got := w.sfPurchaseOf(t, c.Token, p.ID); got.RefundedCredits != 100 {
		t.Fatalf("purchase after a refund of another payment = %+v", got)
	}
	wallettest.CheckInvariants(t, w.db)
}

// sfAwaitFlagNotices waits until the admin has n PURCHASE_FLAGGED notifications.
func (w *azWorld) sfAwaitFlagNotices(t *testing.T, token string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct {
			Notifications struct {
				Edges []struct{ Node struct{ Kind string } }
			}
		}
		w.mustGQL(t, token, `{ notifications(first: 100) { edges { node { kind } } } }`, nil, &out)
		got := 0
		for _, e := range out.Notifications.Edges {
			if e.Node.Kind == "PURCHASE_FLAGGED" {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("admin has %d PURCHASE_FLAGGED notifications, want %d", got, n)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
