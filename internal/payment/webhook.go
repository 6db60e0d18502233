package payment

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
)

// EventSucceeded is the event type that credits a buyer; other types are acknowledged
// and ignored.
const EventSucceeded = "payment.succeeded"

// maxWebhookBody bounds what an unauthenticated caller can make us read.
const maxWebhookBody = 64 << 10

// Event is a provider's report that a user paid for credits. On the wire:
//
//	{"id":"evt_123","type":"payment.succeeded",
//	 "data":{"userId":"<uuid>","credits":100,"reference":"<checkout reference>"}}
type Event struct {
	// Provider is set by the handler from its configuration, never read from the body.
	Provider  string    `json:"-"`
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	UserID    uuid.UUID `json:"-"`
	Credits   int64     `json:"-"`
	Reference string    `json:"-"`
}

// Crediter credits a paid event to the buyer, once per (Provider, ID): a redelivered
// event must succeed without crediting again. The wallet service implements it.
type Crediter interface {
	CreditPayment(ctx context.Context, e Event) error
}

// WebhookConfig configures a provider's webhook endpoint.
type WebhookConfig struct {
	// Provider names the provider whose events these are.
	Provider string
	// Secret is the shared HMAC key (config PAYMENT_WEBHOOK_SECRET); required.
	Secret []byte
	// Tolerance defaults to DefaultTolerance.
	Tolerance time.Duration
	// Now defaults to time.Now; tests set it.
	Now func() time.Time
}

// NewWebhookHandler returns the handler for POST /webhooks/payments. It answers 401 to a
// missing, stale or wrong signature, 400 to a malformed or invalid event, 409 when an
// event id is reused with different data, 500 when crediting failed (the provider
// retries), and 204 once the event is credited or ignored.
func NewWebhookHandler(cfg WebhookConfig, c Crediter, log *slog.Logger) http.Handler {
	if cfg.Tolerance <= 0 {
		cfg.Tolerance = DefaultTolerance
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &webhook{cfg: cfg, credit: c, log: log}
}

type webhook struct {
	cfg    WebhookConfig
	credit Crediter
	log    *slog.Logger
}

// wireEvent is Event as providers send it.
type wireEvent struct {
	ID   string `json:"id"`
	Type string `json:"type"`
	Data struct {
		UserID    uuid.UUID `json:"userId"`
		Credits   int64     `json:"credits"`
		Reference string    `json:"reference"`
	} `json:"data"`
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, ok := readWebhookBody(w, r, maxWebhookBody)
	if !ok {
		return
	}
	if len(h.cfg.Secret) == 0 {
		h.log.ErrorContext(r.Context(), "payment webhook has no secret configured")
		http.Error(w, "webhook not configured", http.StatusServiceUnavailable)
		return
	}
	if err := Verify(h.cfg.Secret, r.Header.Get(SignatureHeader), body, h.cfg.Now(), h.cfg.Tolerance); err != nil {
		h.log.WarnContext(r.Context(), "payment webhook refused", "err", err)
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	var we wireEvent
	if err := json.Unmarshal(body, &we); err != nil || we.ID == "" || len(we.ID) > 200 || we.Type == "" {
		http.Error(w, "malformed event", http.StatusBadRequest)
		return
	}
	if we.Type != EventSucceeded {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	e := Event{Provider: h.cfg.Provider, ID: we.ID, Type: we.Type,
		UserID: we.Data.UserID, Credits: we.Data.Credits, Reference: we.Data.Reference}
	if err := h.credit.CreditPayment(r.Context(), e); err != nil {
		h.fail(w, r, e, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// fail answers a crediting error: the provider retries on 5xx only.
func (h *webhook) fail(w http.ResponseWriter, r *http.Request, e Event, err error) {
	answerApplyError(w, r, h.log, err, e.ID, "payment webhook: credit failed", "credit failed")
}
