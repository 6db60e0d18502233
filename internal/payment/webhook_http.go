package payment

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"backbone/internal/errs"
)

// readWebhookBody reads a webhook delivery's body of at most max bytes, answering 405 to
// anything but a POST and 413 to a larger or unreadable body; ok is false when it answered.
func readWebhookBody(w http.ResponseWriter, r *http.Request, max int64) (body []byte, ok bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		http.Error(w, "body too large or unreadable", http.StatusRequestEntityTooLarge)
		return nil, false
	}
	return body, true
}

// answerApplyError answers an error applying an event. Providers retry on 5xx, so only
// what a retry may fix gets one: an invalid event is 400, an event id reused with other
// data 409, anything else is logged (as logMsg) and answered 500 with text.
func answerApplyError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error, eventID, logMsg, text string) {
	switch errs.CodeOf(err) {
	case errs.BadUserInput, errs.NotFound:
		http.Error(w, "invalid event", http.StatusBadRequest)
	case errs.Conflict:
		http.Error(w, "event id reused with different data", http.StatusConflict)
	case errs.Unavailable:
		// Not yet: the provider retries a non-2xx answer later.
		log.WarnContext(r.Context(), logMsg, "event", eventID, "err", err)
		w.Header().Set("Retry-After", "60")
		http.Error(w, "event cannot be applied yet", http.StatusServiceUnavailable)
	default:
		if !errors.Is(err, context.Canceled) {
			log.ErrorContext(r.Context(), logMsg, "event", eventID, "err", err)
		}
		http.Error(w, text, http.StatusInternalServerError)
	}
}
