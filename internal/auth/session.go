package auth

import (
	"context"
	"time"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/session"
	"backbone/internal/audit"
	"backbone/internal/auth/secret"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// Tokens are what a sign-in gives a client: a short-lived access token and the refresh
// token that gets the next one.
type Tokens struct {
	AccessToken      string
	AccessExpiresAt  time.Time
	RefreshToken     string
	RefreshExpiresAt time.Time
	User             *ent.User
}

// startSession opens a refresh-token family for u within tx and signs its first tokens.
func (s *Service) startSession(ctx context.Context, tx *ent.Client, u *ent.User) (*Tokens, error) {
	now := s.now()
	req := audit.RequestFrom(ctx)
	sess, err := tx.Session.Create().
		SetUserID(u.ID).
		SetExpiresAt(now.Add(s.opts.SessionTTL)).
		SetLastUsedAt(now).
		SetIP(audit.Clip(req.IP, 64)).
		SetUserAgent(audit.Clip(req.UserAgent, 512)).
		Save(ctx)
	if err != nil {
		return nil, err
	}
	return s.issue(ctx, tx, u, sess)
}

// issue signs an access token and a fresh refresh token for an open session.
func (s *Service) issue(ctx context.Context, tx *ent.Client, u *ent.User, sess *ent.Session) (*Tokens, error) {
	plain, hash := secret.NewRefreshToken()
	if err := tx.RefreshToken.Create().
		SetSessionID(sess.ID).
		SetTokenHash(hash).
		SetExpiresAt(sess.ExpiresAt).
		Exec(ctx); err != nil {
		return nil, err
	}
	access, claims, err := s.tokens.Issue(u.ID.String(), string(u.Role), sess.ID.String())
	if err != nil {
		return nil, err
	}
	return &Tokens{
		AccessToken:      access,
		AccessExpiresAt:  claims.ExpiresAt.Time,
		RefreshToken:     plain,
		RefreshExpiresAt: sess.ExpiresAt,
		User:             u,
	}, nil
}

// revokeSessions ends the open sessions matching where, within tx, and returns their ids
// so that the caller can broadcast them once the transaction has committed.
func (s *Service) revokeSessions(ctx context.Context, tx *ent.Client, reason string, where ...func(*ent.SessionQuery)) ([]uuid.UUID, error) {
	q := tx.Session.Query().Where(session.RevokedAtIsNil())
	for _, w := range where {
		w(q)
	}
	ids, err := q.IDs(db.System(ctx))
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	err = tx.Session.Update().
		Where(session.IDIn(ids...), session.RevokedAtIsNil()).
		SetRevokedAt(s.now()).
		SetRevokeReason(reason).
		Exec(ctx)
	return ids, err
}

// userSessions selects every session of a user.
func userSessions(userID uuid.UUID) func(*ent.SessionQuery) {
	return func(q *ent.SessionQuery) { q.Where(session.UserID(userID)) }
}

// exceptSession leaves one session out.
func exceptSession(id uuid.UUID) func(*ent.SessionQuery) {
	return func(q *ent.SessionQuery) { q.Where(session.IDNEQ(id)) }
}

// Broadcast makes revoked sessions fail everywhere; call it after the commit.
func (s *Service) Broadcast(ctx context.Context, sessionIDs []uuid.UUID) {
	s.revoked.Revoke(ctx, sessionIDs)
}

func invalidCredentials() error {
	return errs.E(errs.Unauthenticated, "invalid email or password").With("reason", "invalid")
}
