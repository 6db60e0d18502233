package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"backbone/internal/errs"
)

// A subscriber closing its notificationAdded stream cancels the reads of the event being
// resolved (issue 11, item 11): that is the client's doing, not a fault, and must not
// write an ERROR line. The same error with the request still running is a fault.
func TestCancellationByTheClientIsNotLoggedAsAnError(t *testing.T) {
	var logs bytes.Buffer
	present := presentError(slog.New(slog.NewTextHandler(&logs, nil)), false)
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	for name, err := range map[string]error{
		"a loader's read":        fmt.Errorf("question: %w", context.Canceled),
		"a service's wrap of it": errs.Wrap("notify.Stream", context.Canceled),
	} {
		logs.Reset()
		got := present(gone, err)
		if got.Extensions["code"] != string(errs.Cancelled) || strings.Contains(logs.String(), "level=ERROR") {
			t.Errorf("%s after the client left: code %v, logs %q; want CANCELLED and no ERROR line", name, got.Extensions["code"], logs.String())
		}
	}

	logs.Reset()
	got := present(context.Background(), errors.Join(errors.New("some inner step"), context.Canceled))
	if got.Extensions["code"] != string(errs.Internal) || !strings.Contains(logs.String(), "level=ERROR") {
		t.Errorf("a cancellation the client did not cause: code %v, logs %q; want INTERNAL, logged", got.Extensions["code"], logs.String())
	}
}
