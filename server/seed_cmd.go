package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"backbone/ent"
	"backbone/ent/user"
	"backbone/internal/audit"
	"backbone/internal/auth/password"
	"backbone/internal/config"
	"backbone/internal/db"
	"backbone/internal/errs"
)

// demoUser is one account of the demo data. The passwords are public (printed, and in the
// README): seed refuses to run in production.
type demoUser struct {
	Email, Name, Password string
	Role                  user.Role
	Expert                *user.ExpertStatus // nil: not an expert
	Subjects              []string
	Bio                   string
}

func expertStatus(s user.ExpertStatus) *user.ExpertStatus { return &s }

// demoUsers are what the playground shows after `server seed`.
var demoUsers = []demoUser{
	{Email: "ada@example.com", Name: "Ada Admin", Password: "demo-admin-Backbone-2026!", Role: user.RoleADMIN},
	{Email: "carla@example.com", Name: "Carla Client", Password: "demo-client1-Backbone-2026!", Role: user.RoleCLIENT},
	{Email: "colin@example.com", Name: "Colin Client", Password: "demo-client2-Backbone-2026!", Role: user.RoleCLIENT},
	{Email: "erin@example.com", Name: "Erin Expert", Password: "demo-expert-Backbone-2026!", Role: user.RoleEXPERT,
		Expert: expertStatus(user.ExpertStatusAPPROVED), Subjects: []string{"mathematics", "physics"},
		Bio: "Demo expert: ten years of teaching mathematics and physics."},
	{Email: "arjun@example.com", Name: "Arjun Applicant", Password: "demo-applicant-Backbone-2026!", Role: user.RoleEXPERT,
		Expert: expertStatus(user.ExpertStatusPENDING), Subjects: []string{"chemistry"},
		Bio: "Demo applicant: a chemistry graduate waiting for an admin's approval."},
}

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
	// Seeding is the operator's own work: it may read and write any row.
	ctx = db.System(ctx)

	created := make([]bool, len(demoUsers))
	n := 0
	for i, d := range demoUsers {
		if created[i], err = seedUser(ctx, a, d); err != nil {
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

// seedUser creates d unless an account with its email exists, and reports whether it did.
func seedUser(ctx context.Context, a *app, d demoUser) (bool, error) {
	exists, err := a.db.Client.User.Query().Where(user.Email(d.Email)).Exist(ctx)
	if err != nil || exists {
		return false, err
	}
	// The demo passwords are published, not weak: they pass the check any password does.
	if err := password.CheckStrength(d.Password, d.Email, d.Name); err != nil {
		return false, err
	}
	hash, err := a.auth.Hasher().Hash(ctx, d.Password)
	if err != nil {
		return false, err
	}
	err = db.InTx(ctx, a.db.Client, func(tx *ent.Client) error {
		create := tx.User.Create().SetEmail(d.Email).SetDisplayName(d.Name).SetPasswordHash(hash).SetRole(d.Role).
			SetEmailVerified(true) // demo addresses receive no mail: verified so that they can buy and ask
		if d.Expert != nil {
			create.SetExpertStatus(*d.Expert).SetExpertSubjects(d.Subjects).SetExpertBio(d.Bio)
		}
		u, err := create.Save(ctx)
		if err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "user.seeded", TargetType: "User", TargetID: u.ID.String(),
			Metadata: map[string]any{"role": string(d.Role)}})
	})
	if ent.IsConstraintError(err) {
		return false, nil // created meanwhile by a concurrent seed
	}
	return err == nil, err
}

// printDemoUsers lists the demo accounts and their passwords.
func printDemoUsers(w io.Writer, created []bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "EMAIL\tPASSWORD\tROLE\tEXPERT STATUS\tTHIS RUN")
	for i, d := range demoUsers {
		status, note := "-", "already there"
		if d.Expert != nil {
			status = string(*d.Expert)
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
