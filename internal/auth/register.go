package auth

import (
	"context"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// RegisterInput is a new account. With Expert set, it is an expert application that
// stays pending until an admin approves it.
type RegisterInput struct {
	Email, Password, DisplayName string
	Expert                       *ExpertApplication
}

// ExpertApplication is what an expert tells about themselves when applying.
type ExpertApplication struct {
	Subjects []string
	Bio      string
}

// Register creates an account, signs it in and emails it a verification link.
// Errors: BAD_USER_INPUT (with the field), CONFLICT (email taken), RATE_LIMITED.
func (s *Service) Register(ctx context.Context, in RegisterInput) (*Tokens, error) {
	if err := s.limit(ctx, "register:ip:"+callerAddress(ctx), s.opts.Limits.RegisterPerIP); err != nil {
		return nil, err
	}
	acct, err := checkNewAccount(in.Email, in.DisplayName, in.Password, in.Expert)
	if err != nil {
		return nil, err
	}
	if err := s.offerSubjects(ctx, &acct); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, in.Password)
	if err != nil {
		return nil, errs.Wrap("auth.Register", err)
	}

	var out *Tokens
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		create := acct.create(tx, user.RoleCLIENT, hash)
		if acct.expert != nil {
			create.SetRole(user.RoleEXPERT).SetExpertStatus(user.ExpertStatusPENDING)
		}
		u, err := create.Save(ctx)
		if ent.IsConstraintError(err) {
			return errs.E(errs.Conflict, "an account with this email already exists").With("field", "email")
		}
		if err != nil {
			return err
		}
		if in.Expert != nil {
			if err := expertApplied(ctx, tx, u, u.CreatedAt); err != nil {
				return err
			}
		}
		if err := audit.Record(ctx, tx, audit.Entry{
			Action: "user.registered", TargetType: "User", TargetID: u.ID.String(), Actor: &u.ID,
			Metadata: map[string]any{"role": string(u.Role), "expertApplication": in.Expert != nil},
		}); err != nil {
			return err
		}
		if err := s.sendVerification(ctx, tx, u); err != nil {
			return err
		}
		out, err = s.startSession(ctx, tx, u)
		return err
	})
	return out, errs.Wrap("auth.Register", err)
}
