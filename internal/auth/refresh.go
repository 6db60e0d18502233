package auth

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/refreshtoken"
	"backbone/ent/session"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth/secret"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// errReused marks a refresh token presented after it was exchanged.
var errReused = errors.New("refresh token reused")

// Refresh exchanges a refresh token for new tokens. Each refresh token works once: a
// second use means it was copied, so the whole session (every token of its family) is
// revoked and both holders must sign in again.
// Errors: UNAUTHENTICATED, RATE_LIMITED.
func (s *Service) Refresh(ctx context.Context, plain string) (*Tokens, error) {
	if err := s.limit(ctx, "refresh:ip:"+callerAddress(ctx), s.opts.Limits.RefreshPerIP); err != nil {
		return nil, err
	}
	hash, err := secret.ParseRefreshToken(plain)
	if err != nil {
		return nil, err
	}
	rt, err := s.client.RefreshToken.Query().
		Where(refreshtoken.TokenHash(hash)).
		WithSession(func(q *ent.SessionQuery) { q.WithUser() }).
		Only(db.System(ctx))
	if ent.IsNotFound(err) {
		return nil, errs.E(errs.Unauthenticated, "invalid refresh token").With("reason", "invalid")
	}
	if err != nil {
		return nil, errs.Wrap("auth.Refresh", err)
	}
	sess := rt.Edges.Session
	u := sess.Edges.User
	now := s.now()
	switch {
	case rt.UsedAt != nil:
		return nil, s.reuseDetected(ctx, sess)
	case u.Status == user.StatusSUSPENDED && now.Before(sess.ExpiresAt) && now.Before(rt.ExpiresAt) &&
		(sess.RevokedAt == nil || sess.RevokeReason == actionSuspended):
		// Suspending a user also ends their sessions: a token that would work but for the
		// suspension says so; one of a session that had ended anyway says only that.
		return nil, errs.E(errs.Unauthenticated, "this account is suspended").With("reason", "suspended")
	case sess.RevokedAt != nil, !now.Before(sess.ExpiresAt), !now.Before(rt.ExpiresAt), u.Status == user.StatusSUSPENDED:
		return nil, errs.E(errs.Unauthenticated, "session ended; sign in again").With("reason", "session_ended")
	}

	var out *Tokens
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		// Conditional: of two concurrent exchanges of one token, exactly one wins.
		n, err := tx.RefreshToken.Update().
			Where(refreshtoken.ID(rt.ID), refreshtoken.UsedAtIsNil()).
			SetUsedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errReused
		}
		if err := tx.Session.UpdateOneID(sess.ID).SetLastUsedAt(now).Exec(ctx); err != nil {
			return err
		}
		out, err = s.issue(ctx, tx, u, sess)
		return err
	})
	if errors.Is(err, errReused) {
		return nil, s.reuseDetected(ctx, sess)
	}
	return out, errs.Wrap("auth.Refresh", err)
}

// reuseDetected revokes the session whose rotated token came back, audits it, and
// answers UNAUTHENTICATED.
func (s *Service) reuseDetected(ctx context.Context, sess *ent.Session) error {
	var ids []uuid.UUID
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		var err error
		ids, err = s.revokeSessions(ctx, tx, "refresh_token_reuse", func(q *ent.SessionQuery) { q.Where(session.ID(sess.ID)) })
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			Action: "auth.refresh_token_reused", TargetType: "Session", TargetID: sess.ID.String(), Actor: &sess.UserID,
		})
	})
	if err != nil {
		return errs.Wrap("auth.Refresh", err)
	}
	s.Broadcast(ctx, ids)
	return errs.E(errs.Unauthenticated, "refresh token already used; the session was revoked").With("reason", "reused")
}
