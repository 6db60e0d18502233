package auth

import (
	"context"
	"embed"
	"net/url"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/accounttoken"
	"backbone/internal/auth/secret"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/mail"
)

// Lifetimes of emailed links.
const (
	ResetLinkTTL  = 30 * time.Minute
	VerifyLinkTTL = 48 * time.Hour
)

//go:embed emails
var emailFiles embed.FS

var (
	resetEmail  = mail.MustParseTemplate(mustSub(emailFiles, "emails"), "password_reset")
	verifyEmail = mail.MustParseTemplate(mustSub(emailFiles, "emails"), "verify_email")
)

// newLinkToken stores the hash of a fresh single-use token for u within tx, voids the
// user's earlier unused tokens of the same purpose (only the newest link works), and
// returns the token. requestID, when set, makes a redelivered job fail on the unique index
// instead of making a second token.
func (s *Service) newLinkToken(ctx context.Context, tx *ent.Client, userID uuid.UUID, purpose accounttoken.Purpose, ttl time.Duration, requestID *string) (string, error) {
	now := s.now()
	if err := voidLinkTokens(ctx, tx, userID, purpose, now); err != nil {
		return "", err
	}
	plain, hash := secret.NewLinkToken()
	err := tx.AccountToken.Create().SetUserID(userID).SetPurpose(purpose).SetTokenHash(hash).
		SetExpiresAt(now.Add(ttl)).SetNillableRequestID(requestID).Exec(ctx)
	return plain, err
}

// voidLinkTokens marks the user's unused tokens of purpose as used.
func voidLinkTokens(ctx context.Context, tx *ent.Client, userID uuid.UUID, purpose accounttoken.Purpose, now time.Time) error {
	return tx.AccountToken.Update().
		Where(accounttoken.UserID(userID), accounttoken.PurposeEQ(purpose), accounttoken.UsedAtIsNil()).
		SetUsedAt(now).Exec(ctx)
}

// takeLinkToken finds the unused, unexpired token plain of purpose and marks it used
// within tx, so that it works once even when two requests race. Errors: BAD_USER_INPUT.
func (s *Service) takeLinkToken(ctx context.Context, tx *ent.Client, plain string, purpose accounttoken.Purpose) (*ent.AccountToken, error) {
	hash, ok := secret.ParseLinkToken(plain)
	if !ok {
		return nil, invalidLink()
	}
	t, err := tx.AccountToken.Query().
		Where(accounttoken.TokenHash(hash), accounttoken.PurposeEQ(purpose)).Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return nil, invalidLink()
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.UsedAt != nil || !now.Before(t.ExpiresAt) {
		return nil, invalidLink()
	}
	n, err := tx.AccountToken.Update().
		Where(accounttoken.ID(t.ID), accounttoken.UsedAtIsNil()).SetUsedAt(now).Save(ctx)
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, invalidLink() // used by a concurrent request
	}
	return t, nil
}

func invalidLink() error {
	return errs.E(errs.BadUserInput, "this link is invalid, expired or already used: ask for a new one").With("field", "token")
}

// link is the public URL of a page that takes the token, such as /reset-password.
func (s *Service) link(path, token string) string {
	return s.publicURL + path + "?token=" + url.QueryEscape(token)
}

// sendVerification emails u a fresh verification link, within tx.
func (s *Service) sendVerification(ctx context.Context, tx *ent.Client, u *ent.User) error {
	plain, err := s.newLinkToken(ctx, tx, u.ID, accounttoken.PurposeEMAIL_VERIFICATION, VerifyLinkTTL, nil)
	if err != nil {
		return err
	}
	return s.mailLink(ctx, tx, u, verifyEmail, "/verify-email", plain, map[string]any{"Hours": int(VerifyLinkTTL.Hours())})
}

// mailLink queues, within tx, the email of tmpl to u with its name and a link to path
// carrying the token plain; data holds the template's other fields.
func (s *Service) mailLink(ctx context.Context, tx *ent.Client, u *ent.User, tmpl *mail.Template, path, plain string, data map[string]any) error {
	data["Name"], data["Link"] = u.DisplayName, s.link(path, plain)
	msg, err := tmpl.Render(u.Email, data)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, tx, msg)
}
