package notify

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"

	"backbone/internal/auth/token"
)

// unsubscribePurpose keys the MAC of unsubscribe links apart from every other use of
// the server's secret.
const unsubscribePurpose = "unsubscribe"

// ErrBadUnsubscribeToken says an unsubscribe token is malformed, forged or signed by a
// key the server no longer has.
var ErrBadUnsubscribeToken = errors.New("notify: invalid unsubscribe token")

// Unsubscriber makes and honours the one-click unsubscribe links of notification emails:
// a token names a user and a kind, signed with the server's secret (JWT_SECRET or
// JWT_KEYS), so that whoever holds the email can turn that kind's email off, and nothing
// else.
type Unsubscriber struct {
	Keys   *token.KeySet
	Notify *Service
}

// Token is the unsubscribe token of user's emails of kind:
// base64url(kid) "." base64url(user id ‖ kind) "." base64url(HMAC). It does not expire:
// an old email's link keeps working.
func (u Unsubscriber) Token(userID uuid.UUID, kind string) string {
	msg := append(userID[:], kind...)
	kid, mac := u.Keys.MAC(unsubscribePurpose, msg)
	enc := base64.RawURLEncoding.EncodeToString
	return enc([]byte(kid)) + "." + enc(msg) + "." + enc(mac)
}

// Parse checks a token and returns the user and kind it names; ErrBadUnsubscribeToken
// for anything malformed, tampered with, or naming no kind.
func (u Unsubscriber) Parse(tok string) (uuid.UUID, string, error) {
	parts := strings.Split(tok, ".")
	if len(tok) > 512 || len(parts) != 3 {
		return uuid.Nil, "", ErrBadUnsubscribeToken
	}
	var raw [3][]byte
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return uuid.Nil, "", ErrBadUnsubscribeToken
		}
		raw[i] = b
	}
	kid, msg, mac := string(raw[0]), raw[1], raw[2]
	if len(msg) <= 16 || !u.Keys.CheckMAC(kid, unsubscribePurpose, msg, mac) {
		return uuid.Nil, "", ErrBadUnsubscribeToken
	}
	id, kind := uuid.UUID(msg[:16]), string(msg[16:])
	if !slices.Contains(Kinds(), kind) {
		return uuid.Nil, "", ErrBadUnsubscribeToken
	}
	return id, kind, nil
}

// Unsubscribe turns off the emails a token names. Errors: ErrBadUnsubscribeToken.
func (u Unsubscriber) Unsubscribe(ctx context.Context, tok string) (string, error) {
	id, kind, err := u.Parse(tok)
	if err != nil {
		return "", err
	}
	return kind, u.Notify.TurnOffEmail(ctx, id, kind)
}
