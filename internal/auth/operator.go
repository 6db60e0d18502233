package auth

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth/password"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// Accounts made by the operator at the console (the create-admin and seed commands): no
// user is signed in, so the audit rows have no actor and the work reads and writes any row.

// DefaultAdminName is the display name of a new admin created without a name.
const DefaultAdminName = "Administrator"

// AdminRequest is the create-admin command's input.
type AdminRequest struct {
	Email string
	// Name is the display name; when blank, a new admin is called DefaultAdminName and a
	// promoted user keeps their name.
	Name string
	// Password is asked for only when the account is new: an existing user keeps theirs.
	Password func(context.Context) (string, error)
}

// AdminOutcome says what EnsureAdmin did.
type AdminOutcome struct {
	User    *ent.User
	Created bool
	// PromotedFrom is the user's role before a promotion; empty when the account was
	// created or was already ADMIN.
	PromotedFrom user.Role
}

// EnsureAdmin creates an ADMIN account, or promotes the existing user with that email
// (ending their sessions, as an admin's role change does). An existing ADMIN is left as is.
// Errors: BAD_USER_INPUT (email, name, weak password), CONFLICT.
func (s *Service) EnsureAdmin(ctx context.Context, in AdminRequest) (AdminOutcome, error) {
	email, name, err := in.clean()
	if err != nil {
		return AdminOutcome{}, err
	}
	ctx = db.System(ctx)
	existing, err := s.client.User.Query().Where(user.Email(email)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		if name == "" {
			name = DefaultAdminName
		}
		pw, err := in.Password(ctx)
		if err != nil {
			return AdminOutcome{}, err
		}
		u, err := s.createAdmin(ctx, email, name, pw)
		return AdminOutcome{User: u, Created: true}, err
	case err != nil:
		return AdminOutcome{}, fmt.Errorf("looking up %s: %w", email, err)
	case existing.Role == user.RoleADMIN:
		return AdminOutcome{User: existing}, nil
	}
	u, err := s.promoteAdmin(ctx, existing, name)
	return AdminOutcome{User: u, PromotedFrom: existing.Role}, err
}

// Check applies the email and display-name rules without the database, so that a command
// can refuse a bad request before opening it. Errors: BAD_USER_INPUT.
func (in AdminRequest) Check() error {
	_, _, err := in.clean()
	return err
}

// clean returns the normalized email and the cleaned name, empty when blank.
func (in AdminRequest) clean() (email, name string, err error) {
	if email, err = NormalizeEmail(in.Email); err != nil {
		return "", "", err
	}
	if strings.TrimSpace(in.Name) != "" {
		if name, err = CleanDisplayName(in.Name); err != nil {
			return "", "", err
		}
	}
	return email, name, nil
}

// createAdmin inserts a new, verified ADMIN user.
func (s *Service) createAdmin(ctx context.Context, email, name, pw string) (*ent.User, error) {
	if err := password.CheckStrength(pw, email, name); err != nil {
		return nil, err
	}
	hash, err := s.hasher.Hash(ctx, pw)
	if err != nil {
		return nil, err
	}
	var u *ent.User
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		u, err = tx.User.Create().SetEmail(email).SetDisplayName(name).
			SetRole(user.RoleADMIN).SetPasswordHash(hash).SetEmailVerified(true).Save(ctx)
		if ent.IsConstraintError(err) {
			return errs.E(errs.Conflict, "an account with this email already exists")
		}
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.admin_created", TargetType: "User", TargetID: u.ID.String()})
	})
	return u, errs.Wrap("auth.EnsureAdmin", err)
}

// actionPromotedToAdmin is the audit action of create-admin's promotion of a user.
const actionPromotedToAdmin = "user.promoted_to_admin"

// promoteAdmin makes u ADMIN (renaming them when name is not empty) and ends their
// sessions, so that the role applies at their next sign-in, and the live connections of
// their API keys.
func (s *Service) promoteAdmin(ctx context.Context, u *ent.User, name string) (*ent.User, error) {
	var out *ent.User
	var revoked []uuid.UUID
	err := db.InTx(ctx, s.client, func(tx *ent.Client) error {
		up := tx.User.UpdateOne(u).SetRole(user.RoleADMIN).ClearExpertStatus() // as SetUserRole
		if name != "" {
			up.SetDisplayName(name)
		}
		var err error
		if out, err = up.Save(ctx); err != nil {
			return err
		}
		if revoked, err = s.revokeSessions(ctx, tx, actionPromotedToAdmin, userSessions(u.ID)); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: actionPromotedToAdmin, TargetType: "User",
			TargetID: u.ID.String(), Metadata: map[string]any{"from": string(u.Role)}})
	})
	if err != nil {
		return nil, errs.Wrap("auth.EnsureAdmin", err)
	}
	s.Broadcast(ctx, revoked)
	s.revoked.AccountsChanged(ctx, []uuid.UUID{u.ID})
	return out, nil
}

// SeedAccount is a ready-made account of the seed command. It is created verified: demo
// addresses receive no mail, and a verified account can buy and ask.
type SeedAccount struct {
	Email, DisplayName, Password string
	Role                         user.Role
	ExpertStatus                 *user.ExpertStatus // nil: not an expert
	Expert                       ExpertApplication  // with ExpertStatus only
}

// Seed creates a unless an account with its email exists, and reports whether it did. The
// account passes the same checks as a registration's.
func (s *Service) Seed(ctx context.Context, a SeedAccount) (bool, error) {
	var expert *ExpertApplication
	if a.ExpertStatus != nil {
		expert = &a.Expert
	}
	// The demo passwords are published, not weak: they pass the check any password does.
	acct, err := checkNewAccount(a.Email, a.DisplayName, a.Password, expert)
	if err != nil {
		return false, err
	}
	exists, err := s.client.User.Query().Where(user.Email(acct.email)).Exist(db.System(ctx))
	if err != nil || exists {
		return false, err
	}
	// After the exists check: an account seeded before an admin changed the subjects is
	// left alone, as any existing account is.
	if err := s.offerSubjects(ctx, &acct); err != nil {
		return false, err
	}
	ctx = db.System(ctx)
	hash, err := s.hasher.Hash(ctx, a.Password)
	if err != nil {
		return false, err
	}
	err = db.InTx(ctx, s.client, func(tx *ent.Client) error {
		create := acct.create(tx, a.Role, hash).SetEmailVerified(true)
		if a.ExpertStatus != nil {
			create.SetExpertStatus(*a.ExpertStatus)
		}
		u, err := create.Save(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.seeded", TargetType: "User", TargetID: u.ID.String(),
			Metadata: map[string]any{"role": string(a.Role)}})
	})
	if ent.IsConstraintError(err) {
		return false, nil // created meanwhile by a concurrent seed
	}
	return err == nil, errs.Wrap("auth.Seed", err)
}
