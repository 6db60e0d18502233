package auth

import (
	"context"
	"errors"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// Login checks an email and password and opens a session. An unknown email and a wrong
// password answer the same error after the same work (a hash comparison), so that
// logins cannot tell which accounts exist. Attempts are limited per address, per
// (account, address), and more tightly for an account under attack (see admitLogin).
// Errors: UNAUTHENTICATED, FORBIDDEN (suspended, after a correct password), RATE_LIMITED.
func (s *Service) Login(ctx context.Context, rawEmail, pw string) (*Tokens, error) {
	ip := callerAddress(ctx)
	// Every attempt from an address counts, whichever account it names: spraying
	// passwords over many accounts stops here.
	if err := s.limit(ctx, "login:ip:"+ip, s.opts.Limits.LoginPerIP); err != nil {
		return nil, err
	}
	email, emailErr := NormalizeEmail(rawEmail)
	if emailErr == nil {
		if err := s.admitLogin(ctx, email, ip); err != nil {
			return nil, err
		}
	}
	var u *ent.User
	if emailErr == nil {
		var err error
		u, err = s.client.User.Query().Where(user.Email(email)).Only(db.System(ctx))
		if err != nil && !ent.IsNotFound(err) {
			return nil, errs.Wrap("auth.Login", err)
		}
	}
	if u == nil {
		s.hasher.CompareDummy(ctx, pw)
		s.recordFailure(ctx, nil, email, "unknown account")
		return nil, invalidCredentials()
	}
	// Whatever its length: Compare applies no policy, so that a policy change never locks
	// out an existing user, and a password today's policy refuses is a wrong one for this
	// account, audited as such (it was refused unread, as an "unknown account").
	ok, err := s.hasher.Compare(ctx, pw, u.PasswordHash)
	if err != nil {
		return nil, errs.Wrap("auth.Login", err)
	}
	if !ok {
		s.recordFailure(ctx, u, email, "wrong password")
		return nil, invalidCredentials()
	}
	if u.Status == user.StatusSUSPENDED {
		s.recordFailure(ctx, u, email, "suspended")
		return nil, errs.E(errs.Forbidden, "this account is suspended")
	}
	account, underAttack, pair := loginKeys(email, ip)
	for _, key := range []string{account, underAttack, pair} {
		if err := s.limiter.Reset(ctx, key); err != nil {
			s.log.WarnContext(ctx, "login rate limit not reset", "err", err)
		}
	}

	var out *Tokens
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		if s.hasher.NeedsRehash(u.PasswordHash) {
			if err := s.rehash(ctx, tx, u, pw); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			Action: "auth.login", TargetType: "User", TargetID: u.ID.String(), Actor: &u.ID,
		}); err != nil {
			return err
		}
		out, err = s.startSession(ctx, tx, u)
		return err
	})
	return out, errs.Wrap("auth.Login", err)
}

// admitLogin applies the account's limits to an attempt on email from ip; the owner's
// correct password resets them. Failures count per (account, address), so an address
// that keeps guessing is refused without touching the others. Attempts on the account
// from every address count too, but never refuse anyone by themselves: once they pass
// LoginPerAccount the account is under attack, and each address gets one attempt on it
// per LoginUnderAttack period. Guessing slows down as the attack grows, while the owner,
// from an address that has not tried this account lately, still signs in.
func (s *Service) admitLogin(ctx context.Context, email, ip string) error {
	account, underAttack, pair := loginKeys(email, ip)
	err := s.limit(ctx, account, s.opts.Limits.LoginPerAccount)
	switch {
	case errs.Is(err, errs.RateLimited):
		if err := s.limit(ctx, underAttack, s.opts.Limits.LoginUnderAttack); err != nil {
			return err
		}
	case err != nil:
		return err
	}
	return s.limit(ctx, pair, s.opts.Limits.LoginPerAccountIP)
}

// loginKeys are the rate-limit keys of logins on email: the account's, and its keys per
// address under attack and at all times. The address comes first: it holds no "|".
func loginKeys(email, ip string) (account, underAttack, pair string) {
	return "login:account:" + email, "login:attacked:" + ip + "|" + email, "login:account-ip:" + ip + "|" + email
}

// rehash stores the password under the current hashing parameters.
func (s *Service) rehash(ctx context.Context, tx *ent.Client, u *ent.User, pw string) error {
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		var coded *errs.Error
		if errors.As(err, &coded) && coded.Code == errs.BadUserInput {
			return nil // an old password that today's policy refuses still signs in
		}
		return err
	}
	return tx.User.UpdateOneID(u.ID).SetPasswordHash(hash).Exec(ctx)
}

// recordFailure audits a refused login. It is written outside any transaction: the
// refusal itself changes nothing.
func (s *Service) recordFailure(ctx context.Context, u *ent.User, email, reason string) {
	e := audit.Entry{Action: "auth.login_failed", Metadata: map[string]any{"reason": reason, "email": audit.Clip(email, 254)}}
	if u != nil {
		e.Actor, e.TargetType, e.TargetID = &u.ID, "User", u.ID.String()
	}
	if err := audit.Record(ctx, s.client, e); err != nil {
		s.log.ErrorContext(ctx, "audit of a failed login not written", "err", err)
	}
}
