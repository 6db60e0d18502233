package gqlws

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"backbone/internal/errs"
	"backbone/internal/ratelimit"
)

// HandshakeLimit bounds the websocket upgrades one client address may start, whatever
// becomes of them: a client that reconnects in a loop spends an upgrade, a goroutine and
// a file descriptor each time, which the open-connection limits do not see. The zero
// value sets no limit.
type HandshakeLimit struct {
	Limiter ratelimit.Limiter
	PerIP   ratelimit.Limit
}

// limitHandshake labels refusals by HandshakeLimit in websocket_refused_total.
const limitHandshake = "handshake_ip"

// admitHandshake answers a request past its address's HandshakeLimit with 429, a
// Retry-After header and a RATE_LIMITED error (before the upgrade: a refusal costs no
// hijacked connection), and reports whether the upgrade may go on. Like
// ratelimit.Check, it lets the upgrade through when the limiter's store is down.
func (s *Server) admitHandshake(w http.ResponseWriter, r *http.Request) bool {
	hl := s.cfg.Handshakes
	if hl.Limiter == nil {
		return true
	}
	err := ratelimit.Check(r.Context(), s.cfg.Log, hl.Limiter, "ws-handshake:ip:"+s.clientAddress(r), hl.PerIP)
	var e *errs.Error
	if !errors.As(err, &e) || e.Code != errs.RateLimited {
		// Admitted, or not a refusal: an ended request fails its upgrade on its own.
		return true
	}
	s.admission.refused[limitHandshake].Add(1)
	retry, _ := e.Extensions["retryAfter"].(int)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", strconv.Itoa(retry))
	w.WriteHeader(errs.HTTPStatus(errs.RateLimited))
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
		"message":    "too many websocket handshakes from this address, try again later",
		"extensions": map[string]any{"code": string(errs.RateLimited), "retryAfter": retry},
	}}})
	return false
}
