package viewer_test

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"backbone/internal/errs"
	"backbone/internal/viewer"
)

func TestRequiredSaysWhyThereIsNoCaller(t *testing.T) {
	t.Parallel()
	caller := viewer.Principal{UserID: uuid.New(), Role: viewer.RoleClient}
	expired := errs.E(errs.Unauthenticated, "token expired")
	tests := []struct {
		name    string
		ctx     context.Context
		want    viewer.Principal
		wantMsg string
	}{
		{"signed in", viewer.With(context.Background(), caller), caller, ""},
		{"signed in despite a refused credential", viewer.WithAuthError(viewer.With(context.Background(), caller), expired), caller, ""},
		{"credentials refused", viewer.WithAuthError(context.Background(), expired), viewer.Principal{}, "token expired"},
		{"no credentials", context.Background(), viewer.Principal{}, "sign in first"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := viewer.Required(tt.ctx)
			if tt.wantMsg == "" {
				if err != nil || got.UserID != tt.want.UserID {
					t.Fatalf("Required = %v, %v; want the caller", got, err)
				}
				return
			}
			var coded *errs.Error
			if !errs.Is(err, errs.Unauthenticated) || !errors.As(err, &coded) || coded.Message != tt.wantMsg {
				t.Fatalf("Required error = %v; want UNAUTHENTICATED %q", err, tt.wantMsg)
			}
		})
	}
}
