package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/errs"
)

// errUsage marks a command line that cannot be run as given (unknown flag, missing value).
var errUsage = errors.New("usage")

const createAdminUsage = `usage: backbone create-admin --email ADDRESS [--name "Display Name"]

Creates an ADMIN user, or promotes the existing user with that email to ADMIN (they keep
their password and sign in again). The new user's password comes from ADMIN_PASSWORD, or
from a prompt on the terminal, or from the first line of stdin when it is not a terminal.
`

// createAdminCommand creates an admin account or promotes an existing user (auth.EnsureAdmin),
// with an audit row and no actor: the operator at the console is not a user.
func createAdminCommand(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("create-admin", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; usage is printed once, below
	email := fs.String("email", "", "the admin's email address (required)")
	name := fs.String("name", "", "display name (default "+auth.DefaultAdminName+")")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			_, err = fmt.Fprint(stdout, createAdminUsage)
			return err
		}
		return fmt.Errorf("create-admin: %w: %v\n%s", errUsage, err, createAdminUsage)
	}
	if fs.NArg() > 0 || *email == "" {
		return fmt.Errorf("create-admin: %w: --email is required and nothing else is accepted\n%s", errUsage, createAdminUsage)
	}
	req := auth.AdminRequest{Email: *email, Name: *name,
		Password: func(ctx context.Context) (string, error) { return adminPassword(ctx, getenv, stdin, stderr) }}
	if err := req.Check(); err != nil {
		return err // before the database is opened
	}

	a, err := openCommandApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	out, err := a.auth.EnsureAdmin(ctx, req)
	if err != nil {
		return errs.Wrap("create-admin", err)
	}
	u := out.User
	if !out.Created && getenv("ADMIN_PASSWORD") != "" {
		fmt.Fprintln(stderr, "note: ADMIN_PASSWORD is not used: an existing user keeps their password")
	}
	switch {
	case out.Created:
		_, err = fmt.Fprintf(stdout, "created ADMIN %s (%s), id %s\n", u.Email, u.DisplayName, u.ID)
		return err
	case out.PromotedFrom == "":
		_, err = fmt.Fprintf(stdout, "%s is already an ADMIN; nothing changed\n", u.Email)
		return err
	}
	if _, err := fmt.Fprintf(stdout, "promoted existing user %s from %s to ADMIN, id %s; they sign in again to use it\n", u.Email, out.PromotedFrom, u.ID); err != nil {
		return err
	}
	if u.Status == user.StatusSUSPENDED {
		_, err = fmt.Fprintln(stdout, "note: this account is suspended; an admin must reactivate it before it can sign in")
	}
	return err
}
