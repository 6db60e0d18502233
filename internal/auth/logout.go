package auth

import (
	"context"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/session"
	"backbone/internal/audit"
	"backbone/internal/auth/password"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/viewer"
)

// Logout ends the caller's session, or all of the caller's sessions.
// Errors: UNAUTHENTICATED, FORBIDDEN (API key).
func (s *Service) Logout(ctx context.Context, all bool) error {
	p, err := viewer.RequiredSession(ctx)
	if err != nil {
		return err
	}
	where := func(q *ent.SessionQuery) { q.Where(session.ID(p.SessionID)) }
	if all {
		where = userSessions(p.UserID)
	}
	var ids []uuid.UUID
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		var err error
		if ids, err = s.revokeSessions(ctx, tx, "logout", where); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "auth.logout", TargetType: "User", TargetID: p.UserID.String(),
			Metadata: map[string]any{"allSessions": all, "sessions": len(ids)},
		})
	})
	if err != nil {
		return errs.Wrap("auth.Logout", err)
	}
	s.Broadcast(ctx, ids)
	return nil
}

// ChangePassword replaces the caller's password and ends every other session; the
// current one stays signed in.
// Errors: UNAUTHENTICATED, FORBIDDEN (API key), BAD_USER_INPUT, RATE_LIMITED.
func (s *Service) ChangePassword(ctx context.Context, current, next string) error {
	p, err := viewer.RequiredSession(ctx)
	if err != nil {
		return err
	}
	u, err := s.limitedAccount(ctx, p, "password", s.opts.Limits.PasswordPerUser)
	if err != nil {
		return errs.Wrap("auth.ChangePassword", err)
	}
	ok, err := s.hasher.Compare(ctx, current, u.PasswordHash)
	if err != nil {
		return errs.Wrap("auth.ChangePassword", err)
	}
	if !ok {
		return errs.E(errs.BadUserInput, "the current password is wrong").With("field", "currentPassword")
	}
	if err := password.CheckStrength(next, u.Email, u.DisplayName); err != nil {
		return password.Named(err, "newPassword")
	}
	hash, err := s.hasher.Hash(ctx, next)
	if err != nil {
		return errs.Wrap("auth.ChangePassword", err)
	}
	var ids []uuid.UUID
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		if err := tx.User.UpdateOneID(u.ID).SetPasswordHash(hash).Exec(ctx); err != nil {
			return err
		}
		if ids, err = s.revokeSessions(ctx, tx, "password_changed", userSessions(u.ID), exceptSession(p.SessionID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "auth.password_changed", TargetType: "User", TargetID: u.ID.String(),
			Metadata: map[string]any{"sessionsRevoked": len(ids)},
		})
	})
	if err != nil {
		return errs.Wrap("auth.ChangePassword", err)
	}
	s.Broadcast(ctx, ids)
	return nil
}

// Me returns the caller's own account.
// Errors: UNAUTHENTICATED, NOT_FOUND (the account is gone).
func (s *Service) Me(ctx context.Context) (*ent.User, error) {
	p, err := viewer.Required(ctx)
	if err != nil {
		return nil, err
	}
	u, err := s.client.User.Get(ctx, p.UserID)
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.NotFound, "account not found")
	}
	return u, errs.Wrap("auth.Me", err)
}
