package payment

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/stripe/stripe-go/v82"
	stripewebhook "github.com/stripe/stripe-go/v82/webhook"

	"backbone/internal/errs"
)

// StripeSignatureHeader carries Stripe's signature of a webhook delivery.
const StripeSignatureHeader = "Stripe-Signature"

// maxStripeEvent bounds what an unauthenticated caller can make us read; Stripe's
// events of a Checkout Session or a Charge are a few kilobytes.
const maxStripeEvent = 256 << 10

// UpdateKind is what a provider reported about a purchase.
type UpdateKind string

// Kinds of PurchaseUpdate.
const (
	// UpdatePaid: the buyer paid (checkout.session.completed with payment_status paid,
	// or checkout.session.async_payment_succeeded).
	UpdatePaid UpdateKind = "PAID"
	// UpdateProcessing: the checkout completed but the payment is still under way (a
	// delayed payment method); async_payment_succeeded or _failed follows.
	UpdateProcessing UpdateKind = "PROCESSING"
	// UpdateFailed: the delayed payment failed (checkout.session.async_payment_failed).
	UpdateFailed UpdateKind = "FAILED"
	// UpdateExpired: the buyer never paid (checkout.session.expired).
	UpdateExpired UpdateKind = "EXPIRED"
	// UpdateRefunded: some or all of the payment was refunded (charge.refunded).
	UpdateRefunded UpdateKind = "REFUNDED"
)

// PurchaseUpdate is a provider's report about a purchase, in the provider's neutral terms.
type PurchaseUpdate struct {
	// Provider names the provider; EventID is its event id, unique per provider: an
	// event is applied once however often it is delivered.
	Provider string     `json:"provider"`
	EventID  string     `json:"eventId"`
	Kind     UpdateKind `json:"kind"`
	// PurchaseID is the purchase (client_reference_id) of a checkout event. A refund
	// names the payment instead, and its purchase too when the charge carries it (the
	// purchase_id metadata of the payment); uuid.Nil otherwise.
	PurchaseID uuid.UUID `json:"purchaseId"`
	// CheckoutRef is the checkout's id (a Checkout Session id), when the event has it.
	CheckoutRef string `json:"checkoutRef,omitempty"`
	// PaymentRef is the payment's id (a PaymentIntent id), when the event has it.
	PaymentRef string `json:"paymentRef,omitempty"`
	// Amount and Currency are what the buyer was charged, in minor units.
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	// AmountRefunded is the total refunded so far (UpdateRefunded), in minor units.
	AmountRefunded int64 `json:"amountRefunded,omitempty"`
}

// PurchaseRecorder applies provider reports to purchases; the wallet service implements
// it. A report applied before must succeed without changing anything; a report about a
// purchase that does not exist is NOT_FOUND.
type PurchaseRecorder interface {
	RecordPurchaseUpdate(ctx context.Context, u PurchaseUpdate) error
}

// StripeWebhookConfig configures the Stripe webhook endpoint.
type StripeWebhookConfig struct {
	// Secret is the endpoint's signing secret (STRIPE_WEBHOOK_SECRET, whsec_...).
	Secret string
}

// NewStripeWebhookHandler returns the handler for POST /webhooks/stripe. It verifies the
// Stripe-Signature header with stripe-go's webhook package (Stripe's 5-minute
// tolerance, which this also applies to timestamps ahead of our clock) and answers 400 to a missing, stale or wrong signature or a malformed
// event, 200 once the event is applied or ignored (an event type it does not handle, a
// Checkout Session that is not a purchase of ours), 409 when an event id comes back
// with other data, and 500 when applying failed, which Stripe retries.
func NewStripeWebhookHandler(cfg StripeWebhookConfig, rec PurchaseRecorder, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &stripeWebhook{cfg: cfg, rec: rec, log: log}
}

type stripeWebhook struct {
	cfg StripeWebhookConfig
	rec PurchaseRecorder
	log *slog.Logger
}

func (h *stripeWebhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := readWebhookBody(w, r, maxStripeEvent)
	if !ok {
		return
	}
	if h.cfg.Secret == "" {
		h.log.ErrorContext(r.Context(), "stripe webhook has no signing secret configured")
		http.Error(w, "webhook not configured", http.StatusServiceUnavailable)
		return
	}
	// Events carry the API version of the endpoint, which may differ from stripe-go's;
	// the fields read here are the same in every version.
	header := r.Header.Get(StripeSignatureHeader)
	ev, err := stripewebhook.ConstructEventWithOptions(body, header, h.cfg.Secret,
		stripewebhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err == nil {
		// stripe-go refuses only timestamps too far in the past; one from the future is
		// refused too, as on our own endpoint (the timestamp is signed: stripe-go checked).
		var sec int64
		if _, sec, _, err = parseSignatureHeader(header); err == nil {
			err = checkTimestamp(sec, time.Now(), DefaultTolerance)
		}
	}
	if err != nil {
		h.log.WarnContext(r.Context(), "stripe webhook refused", "err", err)
		http.Error(w, "invalid signature or event", http.StatusBadRequest)
		return
	}
	u, ok, err := stripeUpdate(ev)
	if err != nil {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if !ok {
		w.WriteHeader(http.StatusOK)
		return
	}
	if err := h.rec.RecordPurchaseUpdate(r.Context(), u); err != nil {
		h.fail(w, r, u, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// fail answers an error applying u: Stripe retries on anything but 2xx, so what no retry
// can fix is acknowledged.
func (h *stripeWebhook) fail(w http.ResponseWriter, r *http.Request, u PurchaseUpdate, err error) {
	if errs.CodeOf(err) == errs.NotFound {
		h.log.WarnContext(r.Context(), "stripe webhook: no such purchase; acknowledged", "event", u.EventID, "type", u.Kind)
		w.WriteHeader(http.StatusOK)
		return
	}
	answerApplyError(w, r, h.log, err, u.EventID, "stripe webhook: applying the event failed", "event not applied")
}

// stripeUpdate reads the purchase update of an event; ok is false for an event that is
// not about a purchase of ours.
func stripeUpdate(ev stripe.Event) (u PurchaseUpdate, ok bool, err error) {
	if ev.ID == "" || len(ev.ID) > 200 || ev.Data == nil {
		return u, false, errors.New("event without id or data")
	}
	u = PurchaseUpdate{Provider: StripeName, EventID: ev.ID}
	switch ev.Type {
	case stripe.EventTypeCheckoutSessionCompleted, stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded,
		stripe.EventTypeCheckoutSessionAsyncPaymentFailed, stripe.EventTypeCheckoutSessionExpired:
		var s stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return u, false, err
		}
		id, perr := uuid.Parse(s.ClientReferenceID)
		if perr != nil || s.Mode != stripe.CheckoutSessionModePayment {
			return u, false, nil // a session another integration of the account made
		}
		u.PurchaseID, u.CheckoutRef = id, s.ID
		u.Amount, u.Currency = s.AmountTotal, strings.ToLower(string(s.Currency))
		if s.PaymentIntent != nil {
			u.PaymentRef = s.PaymentIntent.ID
		}
		u.Kind = sessionUpdateKind(ev.Type, s.PaymentStatus)
		return u, true, nil
	case stripe.EventTypeChargeRefunded:
		var c stripe.Charge
		if err := json.Unmarshal(ev.Data.Raw, &c); err != nil {
			return u, false, err
		}
		if c.PaymentIntent == nil || c.PaymentIntent.ID == "" {
			return u, false, nil // not a Checkout payment
		}
		u.Kind, u.PaymentRef = UpdateRefunded, c.PaymentIntent.ID
		if id, err := uuid.Parse(c.Metadata["purchase_id"]); err == nil {
			u.PurchaseID = id
		}
		u.Amount, u.Currency, u.AmountRefunded = c.Amount, strings.ToLower(string(c.Currency)), c.AmountRefunded
		return u, true, nil
	}
	return u, false, nil
}

func sessionUpdateKind(t stripe.EventType, paid stripe.CheckoutSessionPaymentStatus) UpdateKind {
	switch t {
	case stripe.EventTypeCheckoutSessionAsyncPaymentSucceeded:
		return UpdatePaid
	case stripe.EventTypeCheckoutSessionAsyncPaymentFailed:
		return UpdateFailed
	case stripe.EventTypeCheckoutSessionExpired:
		return UpdateExpired
	}
	// completed: paid now, or (a delayed payment method) later. A session with nothing
	// to pay ("no_payment_required") cannot be a pack's, whose price is positive: its
	// amount mismatch flags it.
	if paid == stripe.CheckoutSessionPaymentStatusUnpaid {
		return UpdateProcessing
	}
	return UpdatePaid
}
