package auth

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/accounttoken"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// ReasonEmailNotVerified is the extensions.reason of what an unverified client may not do.
const ReasonEmailNotVerified = "EMAIL_NOT_VERIFIED"

// VerifyEmail marks the address of the token's account verified. The token works once.
// Errors: BAD_USER_INPUT (token), RATE_LIMITED.
func (s *Service) VerifyEmail(ctx context.Context, token string) error {
	if err := s.limit(ctx, "link:ip:"+callerAddress(ctx), s.opts.Limits.LinkPerIP); err != nil {
		return err
	}
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		t, err := s.takeLinkToken(ctx, tx, token, accounttoken.PurposeEMAIL_VERIFICATION)
		if err != nil {
			return err
		}
		if err := tx.User.UpdateOneID(t.UserID).SetEmailVerified(true).Exec(ctx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "auth.email_verified", TargetType: "User", TargetID: t.UserID.String(), Actor: &t.UserID,
		})
	})
	return errs.Wrap("auth.VerifyEmail", err)
}

// ResendVerificationEmail emails the caller a new verification link; earlier links stop
// working. Errors: UNAUTHENTICATED, CONFLICT (already verified), RATE_LIMITED.
func (s *Service) ResendVerificationEmail(ctx context.Context) error {
	p, err := viewer.Required(ctx)
	if err != nil {
		return err
	}
	u, err := s.limitedAccount(ctx, p, "verify", s.opts.Limits.ResendPerUser)
	if err != nil {
		return errs.Wrap("auth.ResendVerificationEmail", err)
	}
	if u.EmailVerified {
		return errs.E(errs.Conflict, "your email address is already verified")
	}
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		if err := s.sendVerification(ctx, tx, u); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "auth.verification_email_sent", TargetType: "User", TargetID: u.ID.String()})
	})
	return errs.Wrap("auth.ResendVerificationEmail", err)
}

// RequireVerifiedClient refuses a CLIENT whose email address is not verified yet, for
// what spends money (buying credits, submitting questions): FORBIDDEN with
// extensions.reason EMAIL_NOT_VERIFIED. Experts and admins pass. c reads the user as the
// system (the caller's own row in any case).
func RequireVerifiedClient(ctx context.Context, c *ent.Client, userID uuid.UUID, action string) error {
	u, err := c.User.Query().Where(user.ID(userID)).Select(user.FieldRole, user.FieldEmailVerified).Only(db.System(ctx))
	if err != nil {
		return errs.Wrap("auth.RequireVerifiedClient", err)
	}
	if u.Role == user.RoleCLIENT && !u.EmailVerified {
		return errs.Ef(errs.Forbidden, "verify your email address before you %s: open the link we emailed you, or ask for a new one with resendVerificationEmail", action).
			With("reason", ReasonEmailNotVerified)
	}
	return nil
}
