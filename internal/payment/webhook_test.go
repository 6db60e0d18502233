package payment_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"

	"backbone/ent/user"
	"backbone/internal/dbtest"
	"backbone/internal/payment"
	"backbone/internal/testenv"
	"backbone/internal/viewer"
	"backbone/internal/wallet"
)

func TestWebhookCreditsOncePerEvent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.Open(t, testenv.NewPostgresDB(t))
	svc, err := wallet.NewService(wallet.Deps{Client: d.Client}, wallet.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.Client.User.Create().SetEmail("buyer@example.com").SetDisplayName("B").
		SetPasswordHash("x").SetRole(user.RoleCLIENT).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	secret := []byte("whsec_test")
	now := time.Now()
	h := payment.NewWebhookHandler(payment.WebhookConfig{Provider: "acme", Secret: secret, Now: func() time.Time { return now }}, svc, nil)
	event := func(id, typ string, userID uuid.UUID, credits int) []byte {
		return fmt.Appendf(nil, `{"id":%q,"type":%q,"data":{"userId":%q,"credits":%d,"reference":"ref-1"}}`, id, typ, userID, credits)
	}
	send := func(body []byte, header string) int {
		req := httptest.NewRequest(http.MethodPost, "/webhooks/payments", bytes.NewReader(body))
		req.Header.Set(payment.SignatureHeader, header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	paid := event("evt_1", payment.EventSucceeded, u.ID, 40)
	nobody := event("evt_4", payment.EventSucceeded, uuid.New(), 5)
	tests := []struct {
		name   string
		body   []byte
		header string
		want   int
	}{
		{"credited", paid, payment.Sign(secret, now, paid), http.StatusNoContent},
		{"redelivered", paid, payment.Sign(secret, now.Add(time.Minute), paid), http.StatusNoContent},
		{"bad signature", event("evt_2", payment.EventSucceeded, u.ID, 40), payment.Sign([]byte("forged"), now, paid), http.StatusUnauthorized},
		{"replayed late", event("evt_3", payment.EventSucceeded, u.ID, 40), payment.Sign(secret, now.Add(-10*time.Minute), event("evt_3", payment.EventSucceeded, u.ID, 40)), http.StatusUnauthorized},
		{"same id, other data", event("evt_1", payment.EventSucceeded, u.ID, 41), payment.Sign(secret, now, event("evt_1", payment.EventSucceeded, u.ID, 41)), http.StatusConflict},
		{"unknown user", nobody, payment.Sign(secret, now, nobody), http.StatusBadRequest},
		{"other event type", event("evt_5", "payment.refunded", u.ID, 5), payment.Sign(secret, now, event("evt_5", "payment.refunded", u.ID, 5)), http.StatusNoContent},
		{"malformed", []byte(`{`), payment.Sign(secret, now, []byte(`{`)), http.StatusBadRequest},
	}
	for _, tt := range tests {
		if got := send(tt.body, tt.header); got != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, got, tt.want)
		}
	}
	as := viewer.With(ctx, viewer.Principal{UserID: u.ID, Role: viewer.RoleClient})
	w, err := svc.Wallet(as, u.ID)
	if err != nil || w.Balance != 40 {
		t.Fatalf("wallet = %+v, %v; want 40 credited once", w, err)
	}
}

func TestWebhookRefusesWithoutSecretOrPost(t *testing.T) {
	t.Parallel()
	h := payment.NewWebhookHandler(payment.WebhookConfig{Provider: "acme"}, nil, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/webhooks/payments", bytes.NewReader([]byte(`{}`))))
	if rec.Code != http.StatusServiceUnavailable {
		t.Errorf("no secret: status %d, want 503", rec.Code)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/payments", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: status %d, want 405", rec.Code)
	}
}
