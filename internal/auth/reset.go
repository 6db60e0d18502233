package auth

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/accounttoken"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth/password"
	"backbone/internal/auth/secret"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/events"
	"backbone/internal/outbox"
	"backbone/internal/queue"
)

// resetRequest is the payload of an auth.password_reset job.
type resetRequest struct {
	Email     string `json:"email"`
	IP        string `json:"ip"`
	UserAgent string `json:"userAgent"`
}

// RequestPasswordReset asks for a reset link to be emailed to an address. It answers the
// same, after the same work, whether or not an account has the address: it only writes
// an auth.password_reset job to the outbox, and the job (HandlePasswordResetJob) looks
// the account up, away from the caller's clock. Rate limited per IP and per address.
// Errors: BAD_USER_INPUT (not an email address), RATE_LIMITED.
func (s *Service) RequestPasswordReset(ctx context.Context, rawEmail string) error {
	req := audit.RequestFrom(ctx)
	if err := s.limit(ctx, "reset:ip:"+callerAddress(ctx), s.opts.Limits.ResetPerIP); err != nil {
		return err
	}
	email, err := NormalizeEmail(rawEmail)
	if err != nil {
		return err
	}
	if err := s.limit(ctx, "reset:email:"+email, s.opts.Limits.ResetPerAddress); err != nil {
		return err
	}
	payload, err := json.Marshal(resetRequest{Email: email, IP: req.IP, UserAgent: audit.Clip(req.UserAgent, 512)})
	if err != nil {
		return errs.Wrap("auth.RequestPasswordReset", err)
	}
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		return outbox.Add(ctx, tx, outbox.Message{Kind: outbox.Job, Topic: events.JobPasswordReset, Key: "password_reset", Payload: payload})
	})
	return errs.Wrap("auth.RequestPasswordReset", err)
}

// HandlePasswordResetJob emails a reset link to the active account of the job's address,
// if there is one, in one transaction with the token and the audit row. A redelivered job
// makes nothing twice (the token row keeps the job id).
func (s *Service) HandlePasswordResetJob(ctx context.Context, job queue.Job) error {
	var r resetRequest
	if err := json.Unmarshal(job.Payload, &r); err != nil {
		return queue.Permanent(fmt.Errorf("auth: decode password reset job %s: %w", job.ID, err))
	}
	ctx = audit.WithRequest(db.System(ctx), audit.Request{IP: r.IP, UserAgent: r.UserAgent})
	u, err := s.client.User.Query().Where(user.Email(r.Email)).Only(ctx)
	if ent.IsNotFound(err) {
		return nil // no account: nothing to send, and the asker cannot tell
	}
	if err != nil {
		return err
	}
	if u.Status != user.StatusACTIVE {
		return nil // a suspended account could not sign in with a new password anyway
	}
	jobID := job.ID
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		plain, err := s.newLinkToken(ctx, tx, u.ID, accounttoken.PurposePASSWORD_RESET, ResetLinkTTL, &jobID)
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			Action: "auth.password_reset_requested", TargetType: "User", TargetID: u.ID.String(), Actor: &u.ID,
		}); err != nil {
			return err
		}
		return s.mailLink(ctx, tx, u, resetEmail, "/reset-password", plain, map[string]any{"Minutes": int(ResetLinkTTL.Minutes())})
	})
	if ent.IsConstraintError(err) {
		return nil // a redelivery: this job's token and email were made before
	}
	return err
}

// ResetPassword sets a new password with the token of a reset link. The token works once;
// the password policy applies; every session of the user ends and every API key is
// revoked (a reset recovers an account: whoever held it must keep nothing they made; a
// change of password, by someone who knew it, keeps the keys); the address counts as
// verified (the link reached it). Errors: BAD_USER_INPUT (token or password), RATE_LIMITED.
func (s *Service) ResetPassword(ctx context.Context, token, newPassword string) error {
	const op = "auth.ResetPassword"
	if err := s.limit(ctx, "link:ip:"+callerAddress(ctx), s.opts.Limits.LinkPerIP); err != nil {
		return err
	}
	hash, ok := secret.ParseLinkToken(token)
	if !ok {
		return invalidLink()
	}
	t, err := s.client.AccountToken.Query().
		Where(accounttoken.TokenHash(hash), accounttoken.PurposeEQ(accounttoken.PurposePASSWORD_RESET)).Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return invalidLink()
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	if t.UsedAt != nil || !s.now().Before(t.ExpiresAt) {
		return invalidLink() // checked again, under the transaction, when it is spent
	}
	u, err := s.client.User.Get(db.System(ctx), t.UserID)
	if ent.IsNotFound(err) {
		return invalidLink()
	}
	if err != nil {
		return errs.Wrap(op, err)
	}
	// The policy is checked before the token is spent, so that a weak choice can be retried.
	if err := password.CheckStrength(newPassword, u.Email, u.DisplayName); err != nil {
		return password.Named(err, "newPassword")
	}
	pwHash, err := s.hasher.Hash(ctx, newPassword)
	if err != nil {
		return errs.Wrap(op, err)
	}
	var ids, keys []uuid.UUID
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		if _, err := s.takeLinkToken(ctx, tx, token, accounttoken.PurposePASSWORD_RESET); err != nil {
			return err
		}
		if err := voidLinkTokens(ctx, tx, u.ID, accounttoken.PurposePASSWORD_RESET, s.now()); err != nil {
			return err
		}
		if err := tx.User.UpdateOneID(u.ID).SetPasswordHash(pwHash).SetEmailVerified(true).Exec(ctx); err != nil {
			return err
		}
		if ids, err = s.revokeSessions(ctx, tx, "password_reset", userSessions(u.ID)); err != nil {
			return err
		}
		if keys, err = s.revokeAPIKeys(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "auth.password_reset", TargetType: "User", TargetID: u.ID.String(), Actor: &u.ID,
			Metadata: map[string]any{"sessionsRevoked": len(ids), "apiKeysRevoked": len(keys)},
		})
	})
	if err != nil {
		return errs.Wrap(op, err)
	}
	s.Broadcast(ctx, append(ids, keys...)) // live connections using them end, on every instance
	return nil
}
