package payment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"backbone/internal/payment"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	secret := []byte("whsec_test")
	body := []byte(`{"id":"evt_1"}`)
	now := time.Unix(1_800_000_000, 0)
	good := payment.Sign(secret, now, body)
	tests := []struct {
		name   string
		header string
		body   []byte
		at     time.Time
		want   error
	}{
		{"valid", good, body, now, nil},
		{"valid within tolerance", good, body, now.Add(4 * time.Minute), nil},
		{"valid with a rotated secret first", strings.Replace(good, "v1=", "v1=00ff,v1=", 1), body, now, nil},
		{"replayed after tolerance", good, body, now.Add(6 * time.Minute), payment.ErrStale},
		{"from the future", good, body, now.Add(-6 * time.Minute), payment.ErrStale},
		{"body changed", good, []byte(`{"id":"evt_2"}`), now, payment.ErrBadSignature},
		{"other secret", payment.Sign([]byte("other"), now, body), body, now, payment.ErrBadSignature},
		{"timestamp changed", strings.Replace(good, "t=1800000000", "t=1800000001", 1), body, now, payment.ErrBadSignature},
		{"missing", "", body, now, payment.ErrBadSignatureHeader},
		{"no signature", "t=1800000000", body, now, payment.ErrBadSignatureHeader},
		{"garbage", "nonsense", body, now, payment.ErrBadSignatureHeader},
		{"bad timestamp", "t=soon,v1=00", body, now, payment.ErrBadSignatureHeader},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := payment.Verify(secret, tt.header, tt.body, tt.at, payment.DefaultTolerance)
			if !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDevProviderIsRefusedInProduction(t *testing.T) {
	t.Parallel()
	for _, env := range []string{"production", "PRODUCTION", " production "} {
		if _, err := payment.NewDevProvider(env); !errors.Is(err, payment.ErrDevInProduction) {
			t.Errorf("NewDevProvider(%q) error = %v, want ErrDevInProduction", env, err)
		}
	}
	p, err := payment.NewDevProvider("development")
	if err != nil {
		t.Fatal(err)
	}
	co, err := p.Checkout(t.Context(), payment.CheckoutRequest{Credits: 5, IdempotencyKey: "r"})
	if err != nil || co.Status != payment.Completed {
		t.Fatalf("Checkout = %+v, %v; want Completed", co, err)
	}
}
