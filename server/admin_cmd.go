package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth"
	"backbone/internal/auth/password"
	"backbone/internal/db"
	"backbone/internal/errs"
	"backbone/internal/textx"
)

// errUsage marks a command line that cannot be run as given (unknown flag, missing value).
var errUsage = errors.New("usage")

const createAdminUsage = `usage: backbone create-admin --email ADDRESS [--name "Display Name"]

Creates an ADMIN user, or promotes the existing user with that email to ADMIN (they keep
their password and sign in again). The new user's password comes from ADMIN_PASSWORD, or
from a prompt on the terminal, or from the first line of stdin when it is not a terminal.
`

// defaultAdminName is the display name of a new admin created without --name.
const defaultAdminName = "Administrator"

// createAdminCommand creates an admin account or promotes an existing user, with an audit
// row and no actor: the operator at the console is not a user.
func createAdminCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; usage is printed once, below
	rawEmail := fs.String("email", "", "the admin's email address (required)")
	name := fs.String("name", "", "display name (default "+defaultAdminName+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err = fmt.Fprint(stdout, createAdminUsage)
			return err
		}
		return fmt.Errorf("create-admin: %w: %v\n%s", errUsage, err, createAdminUsage)
	}
	if fs.NArg() > 0 || *rawEmail == "" {
		return fmt.Errorf("create-admin: %w: --email is required and nothing else is accepted\n%s", errUsage, createAdminUsage)
	}
	email, err := auth.NormalizeEmail(*rawEmail)
	if err != nil {
		return err
	}
	nameSet := strings.TrimSpace(*name) != ""
	displayName := defaultAdminName
	if nameSet {
		if displayName, err = cleanDisplayName(*name); err != nil {
			return err
		}
	}

	a, err := openCommandApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	// The operator at the console may read and write any row.
	ctx = db.System(ctx)

	existing, err := a.db.Client.User.Query().Where(user.Email(email)).Only(ctx)
	switch {
	case ent.IsNotFound(err):
		pw, err := adminPassword(ctx, getenv, stdin, stderr)
		if err != nil {
			return err
		}
		return createAdmin(ctx, a, email, displayName, pw, stdout)
	case err != nil:
		return fmt.Errorf("looking up %s: %w", email, err)
	}
	if getenv("ADMIN_PASSWORD") != "" {
		fmt.Fprintln(stderr, "note: ADMIN_PASSWORD is not used: an existing user keeps their password")
	}
	if !nameSet {
		displayName = ""
	}
	return promoteAdmin(ctx, a, existing, displayName, stdout)
}

// createAdmin inserts a new ADMIN user. Errors: BAD_USER_INPUT (weak password), CONFLICT.
func createAdmin(ctx context.Context, a *app, email, name, pw string, stdout io.Writer) error {
	if err := password.CheckStrength(pw, email, name); err != nil {
		return err
	}
	hash, err := a.auth.Hasher().Hash(ctx, pw)
	if err != nil {
		return err
	}
	var u *ent.User
	err = db.InTx(ctx, a.db.Client, func(tx *ent.Client) error {
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
	if err != nil {
		return errs.Wrap("create-admin", err)
	}
	_, err = fmt.Fprintf(stdout, "created ADMIN %s (%s), id %s\n", u.Email, u.DisplayName, u.ID)
	return err
}

// promoteAdmin makes an existing user ADMIN (renaming them when name is not empty) and
// ends their sessions, as an admin's role change does, so the role applies at next sign-in.
func promoteAdmin(ctx context.Context, a *app, u *ent.User, name string, stdout io.Writer) error {
	if u.Role == user.RoleADMIN {
		_, err := fmt.Fprintf(stdout, "%s is already an ADMIN; nothing changed\n", u.Email)
		return err
	}
	from := u.Role
	var revoked []uuid.UUID
	err := db.InTx(ctx, a.db.Client, func(tx *ent.Client) error {
		up := tx.User.UpdateOne(u).SetRole(user.RoleADMIN)
		if name != "" {
			up.SetDisplayName(name)
		}
		if _, err := up.Save(ctx); err != nil {
			return err
		}
		var err error
		if revoked, err = a.auth.RevokeUserSessions(ctx, tx, u.ID, "user.promoted_to_admin"); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.promoted_to_admin", TargetType: "User",
			TargetID: u.ID.String(), Metadata: map[string]any{"from": string(from)}})
	})
	if err != nil {
		return errs.Wrap("create-admin", err)
	}
	a.auth.Broadcast(ctx, revoked)
	if _, err := fmt.Fprintf(stdout, "promoted existing user %s from %s to ADMIN, id %s; they sign in again to use it\n", u.Email, from, u.ID); err != nil {
		return err
	}
	if u.Status == user.StatusSUSPENDED {
		_, err = fmt.Fprintln(stdout, "note: this account is suspended; an admin must reactivate it before it can sign in")
	}
	return err
}

// cleanDisplayName applies the rules of a registration's display name. Errors: BAD_USER_INPUT.
func cleanDisplayName(s string) (string, error) {
	return textx.Plain("name", s, 100, true)
}
