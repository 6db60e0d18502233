package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"backbone/ent/user"
	"backbone/internal/auth"
	"backbone/internal/config"
	"backbone/internal/errs"
)

// demoUsers are what the playground shows after `server seed`. The passwords are public
// (printed, and in the README): seed refuses to run in production.
var demoUsers = []auth.SeedAccount{
	{Email: "ada@example.com", DisplayName: "Ada Admin", Password: "demo-admin-Backbone-2026!", Role: user.RoleADMIN},
	{Email: "carla@example.com", DisplayName: "Carla Client", Password: "demo-client1-Backbone-2026!", Role: user.RoleCLIENT},
	{Email: "colin@example.com", DisplayName: "Colin Client", Password: "demo-client2-Backbone-2026!", Role: user.RoleCLIENT},
	{Email: "erin@example.com", DisplayName: "Erin Expert", Password: "demo-expert-Backbone-2026!", Role: user.RoleEXPERT,
		ExpertStatus: expertStatus(user.ExpertStatusAPPROVED), Expert: auth.ExpertApplication{Subjects: []string{"mathematics", "physics"},
			Bio: "Demo expert: ten years of teaching mathematics and physics."}},
	{Email: "arjun@example.com", DisplayName: "Arjun Applicant", Password: "demo-applicant-Backbone-2026!", Role: user.RoleEXPERT,
		ExpertStatus: expertStatus(user.ExpertStatusPENDING), Expert: auth.ExpertApplication{Subjects: []string{"chemistry"},
			Bio: "Demo applicant: a chemistry graduate waiting for an admin's approval."}},
}

func expertStatus(s user.ExpertStatus) *user.ExpertStatus { return &s }

// seedCommand fills the database with demo data for the playground. It only adds what is
// missing, so a second run changes nothing; rows changed since (an approved applicant, a
// new password) are left as they are.
func seedCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("seed: %w: it takes no arguments (DATABASE_URL names the database)", errUsage) // dispatch refuses them first; kept for direct callers
	}
	cfg, err := config.FromEnv(getenv)
	if err == nil && cfg.IsProduction() {
		return errs.E(errs.Forbidden, "seed writes accounts with published passwords: refused with APP_ENV=production")
	}
	a, err := openCommandApp(ctx, getenv, stderr)
	if err != nil {
		return err
	}
	defer a.close()
	created := make([]bool, len(demoUsers))
	n := 0
	for i, d := range demoUsers {
		if created[i], err = a.auth.Seed(ctx, d); err != nil {
			return fmt.Errorf("seed %s: %w", d.Email, err)
		}
		if created[i] {
			n++
		}
	}
	if n == 0 {
		fmt.Fprintf(stdout, "the demo data is already in the %s database; nothing changed\n\n", a.db.Driver())
	} else {
		fmt.Fprintf(stdout, "added %d demo account(s) to the %s database\n\n", n, a.db.Driver())
	}
	return printDemoUsers(stdout, created)
}

// printDemoUsers lists the demo accounts and their passwords.
func printDemoUsers(w io.Writer, created []bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tPASSWORD\tROLE\tEXPERT STATUS\tTHIS RUN")
	for i, d := range demoUsers {
		status, note := "-", "already there"
		if d.ExpertStatus != nil {
			status = string(*d.ExpertStatus)
		}
		if created[i] {
			note = "created"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.Email, d.Password, d.Role, status, note)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, "\nSign in with the login mutation in the playground; see README.md, \"First steps in the playground\".")
	return err
}
